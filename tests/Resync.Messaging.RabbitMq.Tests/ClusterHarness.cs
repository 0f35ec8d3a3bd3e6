using RabbitMQ.Client;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Runs;
using Resync.Storage.Postgres;
using Resync.Testing;
using Resync.Testing.Faults;
using Resync.Testing.Postgres;
using Resync.Testing.RabbitMq;

namespace Resync.Messaging.RabbitMq.Tests;

/// <summary>
/// One cluster for a test: a PostgreSQL schema of its own as the shared store, a queue of its own on the shared test broker,
/// an engine that publishes to it and as many workers (each with its own broker connection, as a worker process has) as
/// the test starts. Every run it makes is checked for the accounting rule, in the store.
/// </summary>
internal sealed class ClusterHarness : IAsyncDisposable
{
    private readonly List<(IConnection Connection, CancellationTokenSource Stop, Task Running)> _workers = [];
    private readonly IConnection _engineConnection;
    private bool _ownBroker;

    private ClusterHarness(RabbitMqBroker broker, PostgresDatabase database, PostgresRunStore store, RabbitMqSettings settings, IConnection engineConnection)
    {
        Broker = broker;
        Database = database;
        Store = store;
        Settings = settings;
        _engineConnection = engineConnection;
        // Waiting for a restarted broker is real time: the dispatcher's pause between publishing attempts runs on the system clock.
        Engine = new RunEngine(store, Clock, new RabbitMqBatchDispatcherFactory(engineConnection, settings, store, TimeProvider.System));
    }

    public ManualTimeProvider Clock { get; } = new();

    /// <summary>What the workers logged.</summary>
    public CollectedEvents WorkerEvents { get; } = new();

    public RabbitMqBroker Broker { get; }

    public PostgresDatabase Database { get; }

    public PostgresRunStore Store { get; }

    public RabbitMqSettings Settings { get; }

    public RunEngine Engine { get; }

    /// <param name="ownBroker">True for a broker of the test's own (one it may stop), false for the shared one.</param>
    /// <param name="engineWaitsFor">How long the engine's connection waits for each answer of the broker (default: the client's).</param>
    public static async Task<ClusterHarness> StartAsync(bool ownBroker = false, TimeSpan? engineWaitsFor = null)
    {
        var broker = ownBroker ? await RabbitMqBroker.StartAsync(CancellationToken.None) : await RabbitMqBroker.SharedAsync();
        var database = await PostgresDatabase.CreateAsync("cluster");
        var store = new PostgresRunStore(new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 10 }.ToString());
        await store.InitializeAsync(CancellationToken.None);
        var settings = new RabbitMqSettings(broker.Uri) { Queue = "resync.test." + Guid.NewGuid().ToString("N")[..10] };
        var connection = engineWaitsFor is { } patience
            ? await RecoveringConnectionAsync(settings, "engine", patience)
            : await RabbitMqBatchDispatcherFactory.ConnectAsync(settings, "engine", CancellationToken.None);
        return new ClusterHarness(broker, database, store, settings, connection) { _ownBroker = ownBroker };
    }

    /// <summary>Starts a worker that knows the links <paramref name="links"/> gives, connected as the product connects; returns its connection.</summary>
    public async Task<IConnection> StartWorkerAsync(Func<RemoteRun, Link?> links)
    {
        var connection = await RabbitMqBatchDispatcherFactory.ConnectAsync(Settings, "worker", CancellationToken.None);
        StartWorker(connection, links);
        return connection;
    }

    /// <summary>
    /// Starts a worker whose connection goes through a proxy of the test's own, without recovery: disposing the proxy cuts
    /// the connection as a killed process's is cut (no AMQP close, so the broker hands the batches it had not acknowledged
    /// to other consumers at once), with no broker tool to run.
    /// </summary>
    public async Task<FaultProxy> StartKillableWorkerAsync(Func<RemoteRun, Link?> links)
    {
        var proxy = FaultProxy.Start(Broker.AmqpPort);
        var through = new UriBuilder(Settings.Uri) { Port = proxy.Port }.Uri;
        StartWorker(await new ConnectionFactory { Uri = through, AutomaticRecoveryEnabled = false }.CreateConnectionAsync(CancellationToken.None), links);
        return proxy;
    }

    /// <summary>A connection as the product opens it, except that it waits at most <paramref name="patience"/> for each answer.</summary>
    public static Task<IConnection> RecoveringConnectionAsync(RabbitMqSettings settings, string clientName, TimeSpan patience)
    {
        var factory = RabbitMqBatchDispatcherFactory.Connections(settings, clientName);
        factory.ContinuationTimeout = patience;
        return factory.CreateConnectionAsync(CancellationToken.None);
    }

    /// <summary>Starts a worker on a connection the test opened (one with a short wait for the broker's answers, say).</summary>
    public void StartWorker(IConnection connection, Func<RemoteRun, Link?> links)
    {
        var stop = new CancellationTokenSource();
        var worker = new RabbitMqBatchWorker(connection, Settings, (run, _) => ValueTask.FromResult(links(run)), Store, Clock, WorkerEvents,
            pacing: TimeProvider.System); // waiting for the broker is real time, as for the engine
        _workers.Add((connection, stop, Task.Run(() => worker.RunAsync(stop.Token))));
    }

    /// <summary>Runs the link through the broker and checks that the store accounts for every record read.</summary>
    public async Task<RunResult> RunAsync(Link link)
    {
        using var safetyNet = new CancellationTokenSource(Patience.Limit);
        var result = await Engine.RunAsync(link, new RunRequest(RunKind.Manual, "test")).WaitAsync(safetyNet.Token);
        var run = (await Store.GetRunAsync(result.RunId, CancellationToken.None)).ShouldNotBeNull();
        run.Counts.IsBalanced.ShouldBeTrue($"run {result.RunId} is not balanced: {run.Counts}");
        run.Counts.ShouldBe(result.Counts);
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (connection, stop, running) in _workers)
        {
            await stop.CancelAsync();
            try
            {
                await running;
            }
            catch (Exception exception) when (exception is OperationCanceledException or RabbitMQ.Client.Exceptions.AlreadyClosedException
                                                  or RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                // A worker the test killed.
            }
            await connection.DisposeAsync();
            stop.Dispose();
        }
        await _engineConnection.DisposeAsync();
        await Store.DisposeAsync();
        await Database.DisposeAsync();
        if (_ownBroker)
            await Broker.DisposeAsync();
    }
}
