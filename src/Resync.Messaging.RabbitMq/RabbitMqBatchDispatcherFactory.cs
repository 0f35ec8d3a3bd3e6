using RabbitMQ.Client;
using Resync.Core.Engine;
using Resync.Core.Storage;

namespace Resync.Messaging.RabbitMq;

/// <summary>
/// Cluster mode's dispatch: each run publishes its batches to the shared quorum queue, where any <see cref="RabbitMqBatchWorker"/>
/// takes them. A link with sequential processing keeps its batches in process (one at a time, in order).
/// </summary>
/// <param name="store">The shared store: after the broker comes back, the batches whose reports were lost are counted from it.</param>
/// <param name="clock">Paces the wait for the broker to come back before a batch is published again.</param>
public sealed class RabbitMqBatchDispatcherFactory(IConnection connection, RabbitMqSettings settings, IRunQueries store, TimeProvider clock)
    : IRemoteBatchDispatcherFactory
{
    public IBatchDispatcher Create(RemoteRun run, int parallelism, Func<RemoteBatchReport, Task> reported) =>
        new RabbitMqBatchDispatcher(connection, settings, store, clock, run, reported);

    public IBatchDispatcher Create(int parallelism, Func<BatchWork, Task> process) => InProcessBatchDispatcher.Factory.Create(parallelism, process);

    /// <summary>Opens a connection to the broker that recovers by itself after a network failure or a broker restart.</summary>
    public static Task<IConnection> ConnectAsync(RabbitMqSettings settings, string clientName, CancellationToken cancellationToken) =>
        Connections(settings, clientName).CreateConnectionAsync(cancellationToken);

    /// <summary>What <see cref="ConnectAsync"/> opens its connections with (tests shorten its wait for the broker's answers).</summary>
    internal static ConnectionFactory Connections(RabbitMqSettings settings, string clientName) => new()
    {
        Uri = settings.Uri,
        ClientProvidedName = clientName,
        AutomaticRecoveryEnabled = true,
        TopologyRecoveryEnabled = true,
        NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
    };
}
