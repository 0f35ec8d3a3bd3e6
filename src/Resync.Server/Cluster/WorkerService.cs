using RabbitMQ.Client;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Storage;
using Resync.Messaging.RabbitMq;
using Resync.Server.Links;

namespace Resync.Server.Cluster;

/// <summary>
/// The worker's one job: <see cref="RabbitMqBatchWorker"/> until the host stops. At a stop the batches under way are handed back
/// unacknowledged (the broker gives them to another worker; the store counts each once).
/// </summary>
internal sealed class WorkerService(IConnection connection, RabbitMqSettings settings, LinkRegistry links, IStateStore store, TimeProvider clock,
    ServerOptions options, ILogger<WorkerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ServerLog.WorkerStarted(logger, settings.Queue, ClusterSettings.Describe(options.Broker!), StateStores.Describe(options.StateLocation), settings.Prefetch);
        await new RabbitMqBatchWorker(connection, settings, FindAsync, store, clock, logger).RunAsync(stoppingToken);
        ServerLog.WorkerStopping(logger);
    }

    /// <summary>The run's link, by id and tenant; a link this worker does not know yet (added since it started) is looked for once more.</summary>
    private async ValueTask<Link?> FindAsync(RemoteRun run, CancellationToken cancellationToken)
    {
        if (Known(run) is { } link)
            return link;
        await links.LoadAsync(cancellationToken);
        return Known(run);
    }

    private Link? Known(RemoteRun run) => links.Find(run.LinkId) is { } entry && entry.Tenant == run.Tenant ? entry.Link : null;
}
