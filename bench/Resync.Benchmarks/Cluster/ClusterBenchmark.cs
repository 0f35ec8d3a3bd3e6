using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using RabbitMQ.Client;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Runs;
using Resync.Core.Sdk;
using Resync.Messaging.RabbitMq;
using Resync.Storage.Postgres;
using Resync.Testing.Postgres;
using Resync.Testing.RabbitMq;

namespace Resync.Benchmarks.Cluster;

/// <summary>
/// Cluster mode's throughput in one run: the same link with a CPU-bound step, embedded (batches in process, state in PostgreSQL)
/// and through RabbitMQ with 1, 2 and 3 workers (each with its own broker connection and its own share of the cores, as a
/// worker process has), all against a broker and a PostgreSQL server started here on 127.0.0.1. Ratios, not absolutes.
/// </summary>
internal static class ClusterBenchmark
{
    /// <summary>How many SHA-256 rounds the step does per record: enough that the step, not the store, is what takes the time.</summary>
    private const int Rounds = 400;

    public static async Task RunAsync(long records, int pageSize, int maxWorkers)
    {
        await using var broker = await RabbitMqBroker.StartAsync(CancellationToken.None);
        await using var database = await PostgresDatabase.CreateAsync("bench_cluster");
        await using var store = new PostgresRunStore(database.ConnectionString);
        await store.InitializeAsync(CancellationToken.None);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cluster: {records:N0} records in pages of {pageSize}, a step of {Rounds} SHA-256 rounds per record, a no-op target; state in PostgreSQL; load average {LoadAverage()}"));

        var embedded = await TimeAsync(records, pageSize, store, null);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  embedded (in process):  {embedded,10:N0} records/s"));
        var single = 0.0;
        for (var workers = 1; workers <= maxWorkers; workers++)
        {
            var rate = await TimeAsync(records, pageSize, store, (broker, workers));
            if (workers == 1)
                single = rate;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  cluster, {workers} worker{(workers == 1 ? " " : "s")}:     {rate,10:N0} records/s   ×{rate / single:0.00} of 1 worker, ×{rate / embedded:0.00} of embedded"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  load average after: {LoadAverage()}"));
    }

    private static async Task<double> TimeAsync(long records, int pageSize, PostgresRunStore store, (RabbitMqBroker Broker, int Count)? cluster)
    {
        var link = new Link("cpu-bound", new GeneratingSource(records, pageSize), [new HashingStep()], new NoOpTarget(),
            new LinkSettings { BatchSize = pageSize, Parallelism = 4 });
        if (cluster is not { } mode)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await new RunEngine(store, TimeProvider.System).RunAsync(link, new RunRequest(RunKind.Manual, "bench"));
            return Checked(result, records) / Stopwatch.GetElapsedTime(started).TotalSeconds;
        }
        var settings = new RabbitMqSettings(mode.Broker.Uri) { Queue = "bench." + Guid.NewGuid().ToString("N")[..8] };
        await using var engineConnection = await RabbitMqBatchDispatcherFactory.ConnectAsync(settings, "bench engine", CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var connections = new List<IConnection>();
        var running = new List<Task>();
        for (var i = 0; i < mode.Count; i++)
        {
            var connection = await RabbitMqBatchDispatcherFactory.ConnectAsync(settings, $"bench worker {i}", CancellationToken.None);
            connections.Add(connection);
            var worker = new RabbitMqBatchWorker(connection, settings, (_, _) => ValueTask.FromResult<Link?>(link), store, TimeProvider.System);
            running.Add(Task.Run(() => worker.RunAsync(stop.Token)));
        }
        try
        {
            var engine = new RunEngine(store, TimeProvider.System, new RabbitMqBatchDispatcherFactory(engineConnection, settings, store, TimeProvider.System));
            var started = Stopwatch.GetTimestamp();
            var result = await engine.RunAsync(link, new RunRequest(RunKind.Manual, "bench"));
            return Checked(result, records) / Stopwatch.GetElapsedTime(started).TotalSeconds;
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running);
            foreach (var connection in connections)
                await connection.DisposeAsync();
        }
    }

    private static long Checked(RunResult result, long records) =>
        result.Status == RunStatus.Succeeded && result.Counts.Succeeded == records
            ? records
            : throw new InvalidOperationException($"The benchmark's run {result.RunId} ended {result.Status} with {result.Counts}; expected {records} records written.");

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>A step that only burns CPU (hashing the record's key over and over), so that spreading batches over workers is what scales.</summary>
    private sealed class HashingStep : IStep
    {
        public string Name => "hash";

        public StepResult Apply(StepContext context)
        {
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(context.Record.Key ?? ""), hash);
            for (var round = 0; round < Rounds; round++)
                SHA256.HashData(hash, hash);
            context.Record.Fields["hash"] = hash[0];
            return StepResult.Continue;
        }
    }
}
