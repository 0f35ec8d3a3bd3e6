using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using Resync.Connectors;
using Resync.Connectors.Breakers;
using Resync.Core.Sdk;
using Resync.Core.Storage;
using Resync.LinkFiles;
using Resync.Server.Links;

namespace Resync.Server.Cluster;

/// <summary>
/// Builds the <c>resync worker</c> host: no API and no scheduler, only a <see cref="WorkerService"/> taking batches of any run
/// from the broker, with the links a server of the same cluster knows (its links folder, and the links created through the API,
/// read from the shared store with the shared key ring).
/// </summary>
public static class ResyncWorker
{
    /// <summary>Builds the worker; the broker and the state store are reached (and the links loaded) before it returns.</summary>
    /// <exception cref="OptionsValidationException">A setting is invalid, or the options name no broker or no shared state.</exception>
    public static async Task<IHost> BuildAsync(ServerOptions options, TimeProvider? clock = null, ComponentCatalog? catalog = null,
        Action<HostApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var problems = ServerConfiguration.Validate(options).ToList();
        if (!ClusterSettings.IsCluster(options))
            problems.Add($"{ServerConfiguration.SectionName}:{nameof(ServerOptions.Broker)}: a worker takes its batches from a broker: give --broker amqp://user:password@host:5672/vhost");
        if (problems.Count > 0)
            throw new OptionsValidationException(ServerConfiguration.SectionName, typeof(ServerOptions), problems);
        clock ??= TimeProvider.System;
        var breakers = new ConnectionBreakers(clock, options.BreakerOptions());
        catalog ??= BuiltInConnectors.CreateCatalog(options.NetworkPolicy(), breakers);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "Resync.Worker", DisableDefaults = true });
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        KeyRing.Add(builder.Services, options);

        var (runStore, serverStore) = StateStores.Open(options.StateLocation, clock);
        await serverStore.InitializeAsync(cancellationToken);
        var connection = await ClusterServices.ConnectAsync(options, $"resync worker ({Environment.MachineName}, {Environment.ProcessId})", cancellationToken);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(clock);
        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(_ => runStore);
        builder.Services.AddSingleton(serverStore);
        builder.Services.AddSingleton(_ => connection);
        builder.Services.AddSingleton(ClusterSettings.Broker(options));
        builder.Services.AddSingleton(new ServerFiles(options));
        builder.Services.AddSingleton<LinkRegistry>();
        builder.Services.AddHostedService<WorkerService>();
        configure?.Invoke(builder);

        var host = builder.Build();
        await host.Services.GetRequiredService<LinkRegistry>().LoadAsync(cancellationToken);
        return host;
    }
}
