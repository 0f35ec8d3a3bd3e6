using System.Globalization;
using Resync.Messaging.RabbitMq;

namespace Resync.Server.Cluster;

/// <summary>The cluster-mode settings of servers and workers (<see cref="ServerOptions.Broker"/>), checked with the other settings.</summary>
public static class ClusterSettings
{
    /// <summary>The shortest <see cref="ServerOptions.SchedulerLeaseInterval"/>: a lease checked more often only loads the database.</summary>
    public static readonly TimeSpan MinimumLeaseInterval = TimeSpan.FromSeconds(1);

    /// <summary>Whether the options run in cluster mode.</summary>
    public static bool IsCluster(ServerOptions options) => !string.IsNullOrWhiteSpace(options.Broker);

    /// <summary>What is wrong with the cluster settings, each naming its setting; never the broker's password.</summary>
    public static IEnumerable<(string Setting, string Problem)> Problems(ServerOptions options)
    {
        if (options.SchedulerLeaseInterval < MinimumLeaseInterval)
            yield return (nameof(ServerOptions.SchedulerLeaseInterval), string.Create(CultureInfo.InvariantCulture, $"must be at least {MinimumLeaseInterval}"));
        if (!IsCluster(options))
            yield break;
        if (!Uri.TryCreate(options.Broker!.Trim(), UriKind.Absolute, out var uri))
        {
            yield return (nameof(ServerOptions.Broker), "is not a broker address; use amqp://user:password@host:5672/vhost (or amqps://)");
            yield break;
        }
        foreach (var problem in new RabbitMqSettings(uri).Validate())
            yield return (nameof(ServerOptions.Broker), problem);
        if (options.WorkerPrefetch is < 1 or > 1000)
            yield return (nameof(ServerOptions.WorkerPrefetch), string.Create(CultureInfo.InvariantCulture, $"{options.WorkerPrefetch} is out of range 1..1000"));
        if (StateStores.IsFile(options.StateLocation))
        {
            yield return (nameof(ServerOptions.State),
                "cluster mode (a broker) needs state every server and worker shares: give a PostgreSQL database, --state postgres://user:password@host/database");
        }
    }

    /// <summary>The broker settings of valid options.</summary>
    public static RabbitMqSettings Broker(ServerOptions options) => new(new Uri(options.Broker!.Trim())) { Prefetch = options.WorkerPrefetch };

    /// <summary>Where the broker is, for people and logs: scheme, user, host, port and virtual host, never the password.</summary>
    public static string Describe(string broker)
    {
        if (!Uri.TryCreate(broker.Trim(), UriKind.Absolute, out var uri))
            return "(not a broker address)";
        var user = uri.UserInfo.Split(':', 2)[0];
        return string.Create(CultureInfo.InvariantCulture, $"{uri.Scheme}://{(user.Length > 0 ? user + "@" : "")}{uri.Host}:{(uri.IsDefaultPort ? 5672 : uri.Port)}{uri.AbsolutePath}");
    }
}
