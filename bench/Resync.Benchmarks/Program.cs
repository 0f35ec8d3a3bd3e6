using System.Diagnostics;
using System.Globalization;
using Resync.Benchmarks;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Runs;
using Resync.Core.Sdk;
using Resync.Core.Storage;
using Resync.Storage.Sqlite;
using Resync.Testing;

// Usage (always a Release build):
//   dotnet run -c Release --project bench/Resync.Benchmarks -- all [--scale 1] (every benchmark below at a size that fits 15 minutes, then one table;
//                                                                              --scale 0.1: a tenth of the records, for a loaded machine)
//   dotnet run -c Release --project bench/Resync.Benchmarks -- engine [--records 1000000] [--repeat 3] [--parallelism N]
//   dotnet run -c Release --project bench/Resync.Benchmarks -- memory [--records 1000000,10000000]
//   dotnet run -c Release --project bench/Resync.Benchmarks -- retry [--records 1000000] [--repeat 3]
//   dotnet run -c Release --project bench/Resync.Benchmarks -- pipeline [--records 1000000] [--repeat 3] [--parallelism N] [--fetches 4]
//   dotnet run -c Release --project bench/Resync.Benchmarks -- pipeline-retry [--records 1000000] [--repeat 3]
//   dotnet run -c Release --project bench/Resync.Benchmarks -- pipeline-refused [--records 300000] [--repeat 3]
//   dotnet run -c Release --project bench/Resync.Benchmarks -- pipeline-memory [--records 10000000]
//   dotnet run -c Release --project bench/Resync.Benchmarks -- pipeline-profile [--records 200000] [--parallelism N] [--fetches 4]
//   dotnet run -c Release --project bench/Resync.Benchmarks -- cli-run [--records 1000000] [--repeat 3]
//   dotnet run -c Release --project bench/Resync.Benchmarks -- state-writes [--records 2000000] [--repeat 3]
//   dotnet run -c Release --project bench/Resync.Benchmarks -- push [--records 2000] [--concurrency 4]
//   dotnet run -c Release --project bench/Resync.Benchmarks -- faults [--records 100000] [--parallelism N] [--fetches 4]
//   dotnet run -c Release --project bench/Resync.Benchmarks -- dashboard [--records 1000000] [--repeat 5]
//   dotnet run -c Release --project bench/Resync.Benchmarks -- cluster [--records 20000]
var command = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "engine";
var options = Options.Parse(args);
// One state file for the whole benchmark, as a long-lived `resync serve` process keeps it open (its WAL already grown).
await using var benchStore = await BenchStore.OpenAsync();
Console.WriteLine($"Resync benchmarks: {command}; {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}");

switch (command)
{
    case "all":
        return await AllAsync(options);
    case "engine":
        await EngineAsync(options);
        break;
    case "memory":
        await MemoryAsync(options);
        break;
    case "retry":
        await RetryBenchmark.RunAsync(BenchStore.Sqlite, options.Records.FirstOrDefault(1_000_000), options.Parallelism, options.Repeat);
        break;
    case "pipeline":
        await Resync.Benchmarks.Pipeline.PipelineBenchmark.RunAsync(options.Records.FirstOrDefault(1_000_000), options.Repeat, options.Parallelism, options.Fetches);
        break;
    case "pipeline-retry":
        await Resync.Benchmarks.Pipeline.PipelineRetryBenchmark.RunAsync(options.Records.FirstOrDefault(1_000_000), options.Repeat, options.Parallelism, options.Fetches);
        break;
    case "pipeline-refused":
        await Resync.Benchmarks.Pipeline.PipelineRefusedBenchmark.RunAsync(options.Records.FirstOrDefault(300_000), options.Repeat, options.Parallelism, options.Fetches);
        break;
    case "pipeline-memory":
        await Resync.Benchmarks.Pipeline.PipelineMemoryBenchmark.RunAsync(options.Records.FirstOrDefault(10_000_000), options.Parallelism, options.Fetches);
        break;
    case "pipeline-profile":
        await Resync.Benchmarks.Pipeline.PipelineProfile.RunAsync(options.Records.FirstOrDefault(200_000), options.Parallelism, options.Fetches);
        break;
    case "faults":
        await Resync.Benchmarks.Pipeline.FaultOverlapBenchmark.RunAsync(BenchStore.Sqlite, options.Records.FirstOrDefault(100_000), options.Parallelism, options.Fetches);
        break;
    case "cli-run":
        await Resync.Benchmarks.Pipeline.CliRunBenchmark.RunAsync(options.Records.FirstOrDefault(1_000_000), options.Repeat);
        break;
    case "state-writes":
        await StateWritesBenchmark.RunAsync((int)(options.Records.FirstOrDefault(2_000_000) / 1000), options.Repeat);
        break;
    case "push":
        await Resync.Benchmarks.Push.PushBenchmark.RunAsync((int)options.Records.FirstOrDefault(2_000), options.Concurrency);
        break;
    case "cluster":
        await Resync.Benchmarks.Cluster.ClusterBenchmark.RunAsync(options.Records.FirstOrDefault(20_000), 100, 3);
        break;
    case "dashboard":
        await Resync.Benchmarks.Dashboard.DashboardBenchmark.RunAsync(options.Records.FirstOrDefault(1_000_000), options.Repeat);
        break;
    default:
        Console.Error.WriteLine($"Unknown benchmark '{command}': use all, engine, memory, retry, pipeline, pipeline-retry, pipeline-refused, pipeline-memory, pipeline-profile, cli-run, faults, state-writes, push, dashboard or cluster.");
        return 2;
}
if (BenchSummary.InChild)
    BenchSummary.PrintForParent();
return 0;

// Every benchmark at a size that keeps the whole set under 15 minutes on 2 cores, one after the other, then their one-line
// results as one table. A benchmark that fails is named in the table and the others still run.
static async Task<int> AllAsync(Options options)
{
    var loadBefore = BenchSummary.LoadAverage();
    var watch = Stopwatch.StartNew();
    var failures = 0;
    // Whole thousands: the checks count bad records per hundred and pages of 1000.
    long Scaled(long records) => Math.Max(1000, (long)(records * options.Scale) / 1000 * 1000);
    (string Name, Func<Task> Run)[] set =
    [
        ("engine", () => EngineAsync(options with { Records = [Scaled(1_000_000)], Repeat = 3 })),
        ("memory", () => MemoryAsync(options with { Records = [Scaled(1_000_000), Scaled(10_000_000)] })),
        // At the pipeline command's own size, the one its targets are shown at: runs of 300,000 records (about 2 s each) had come
        // out better than those of a million (docs/benchmarks.md).
        ("pipeline", () => Resync.Benchmarks.Pipeline.PipelineBenchmark.RunAsync(Scaled(1_000_000), 3, options.Parallelism, options.Fetches)),
        // The pipeline's state writer alone (no target to count): what a change to the store's writes does shows here in one run.
        ("state-writes", () => StateWritesBenchmark.RunAsync((int)(Scaled(2_000_000) / 1000), 3)),
        // The pipeline's link as a user runs it: `resync run`, a fresh process each time, as shipped and with dynamic PGO kept.
        ("cli-run", () => Resync.Benchmarks.Pipeline.CliRunBenchmark.RunAsync(Scaled(300_000), 1)),
        ("pipeline-refused", () => Resync.Benchmarks.Pipeline.PipelineRefusedBenchmark.RunAsync(Scaled(300_000), 3, options.Parallelism, options.Fetches)),
        ("pipeline-retry", () => Resync.Benchmarks.Pipeline.PipelineRetryBenchmark.RunAsync(Scaled(300_000), 1, options.Parallelism, options.Fetches)),
        // In a process of its own: a peak of this one would count what the benchmarks before it left (195–205 MB at 1,000,000
        // records there, against 173 MB alone).
        ("pipeline-memory", () => BenchSummary.RunInChildAsync("pipeline-memory", "--records", Scaled(1_000_000).ToString(CultureInfo.InvariantCulture),
            "--parallelism", options.Parallelism.ToString(CultureInfo.InvariantCulture), "--fetches", options.Fetches.ToString(CultureInfo.InvariantCulture))),
        ("retry", () => RetryBenchmark.RunAsync(BenchStore.Sqlite, Scaled(1_000_000), options.Parallelism, 3)),
        ("faults", () => Resync.Benchmarks.Pipeline.FaultOverlapBenchmark.RunAsync(BenchStore.Sqlite, Scaled(100_000), options.Parallelism, options.Fetches)),
        ("push", () => Resync.Benchmarks.Push.PushBenchmark.RunAsync((int)Math.Max(500, 5_000 * options.Scale), 16)),
        ("dashboard", () => Resync.Benchmarks.Dashboard.DashboardBenchmark.RunAsync(Scaled(200_000), 3)),
    ];
    foreach (var (name, run) in set)
    {
        Console.WriteLine();
        Console.WriteLine($"=== {name} ({watch.Elapsed.TotalMinutes:F1} min in; load average {BenchSummary.LoadAverage()})");
        try
        {
            await run();
        }
        catch (Exception exception)
        {
            failures++;
            Console.Error.WriteLine($"{name} failed: {exception}");
            BenchSummary.Add(name, $"FAILED: {exception.GetType().Name}: {exception.Message.ReplaceLineEndings(" ")}", "");
        }
    }
    BenchSummary.Print(watch.Elapsed, loadBefore, BenchSummary.LoadAverage());
    return failures == 0 ? 0 : 1;
}

static async Task EngineAsync(Options options)
{
    var records = options.Records.FirstOrDefault(1_000_000);
    // Warm up the JIT (tiered compilation, PGO) and the file system on a small run of each kind.
    SourceOnly(100_000);
    await RunLinkAsync(100_000, [], options.Parallelism);
    await RunLinkAsync(100_000, TrivialSteps.All, options.Parallelism);
    await RunLinkAsync(100_000, TrivialSteps.Ten, options.Parallelism);

    // One after the other: the measurements share the two cores.
    var reference = await Median(options.Repeat, () => Task.FromResult(SourceOnly(records)));
    var noSteps = await Median(options.Repeat, async () => (await RunLinkAsync(records, [], options.Parallelism)).Seconds);
    var threeSteps = await Median(options.Repeat, async () => (await RunLinkAsync(records, TrivialSteps.All, options.Parallelism)).Seconds);
    var tenSteps = await Median(options.Repeat, async () => (await RunLinkAsync(records, TrivialSteps.Ten, options.Parallelism)).Seconds);
    var freshStore = await Median(options.Repeat, () => FreshStoreRunAsync(records, options.Parallelism));
    var noStore = await Median(options.Repeat, async () => (await RunLinkAsync(records, [], options.Parallelism, sqlite: false)).Seconds);
    var allSinks = await AllSinksAsync(records, options, intakeDown: false);
    var intakesDown = await AllSinksAsync(records, options, intakeDown: true);

    Console.WriteLine();
    Console.WriteLine($"{records:N0} records, pages of 1000, parallelism {options.Parallelism}, no-op target, SQLite run store; median of {options.Repeat}");
    Console.WriteLine($"{"what",-46} {"seconds",8} {"records/s",12} {"vs source",10}");
    Row("source only (generate pages, no engine)", reference, reference);
    Row("engine, no steps", noSteps, reference);
    Row("engine, 3 trivial steps", threeSteps, reference);
    Row("engine, 10 built-in steps", tenSteps, reference);
    Row("engine, no steps, new state file per run", freshStore, reference);
    Row("engine, no steps, null store (ceiling)", noStore, reference);
    Row("engine, no steps, all sinks on", allSinks, reference);
    Row("engine, no steps, all sinks on, intakes down", intakesDown, reference);
    Console.WriteLine($"all sinks on / off: {noSteps / allSinks:P0}; with the intakes down: {noSteps / intakesDown:P0} (target ≥ 95 %)");
    BenchSummary.Add("engine", "engine, no steps, state file kept open (records/s)", $"{records / noSteps:N0}", "≥ 1,000,000", records / noSteps >= 1_000_000);
    BenchSummary.Add("engine", "engine, 10 built-in steps (records/s)", $"{records / tenSteps:N0}");
    BenchSummary.Add("engine", "engine, 10 built-in steps / no steps", $"{noSteps / tenSteps:P0}");
    BenchSummary.Add("engine", "all sinks on / off", $"{noSteps / allSinks:P0}", "≥ 95 %", noSteps / allSinks >= 0.95);
    BenchSummary.Add("engine", "all sinks on, intakes down / off", $"{noSteps / intakesDown:P0}", "≥ 95 %", noSteps / intakesDown >= 0.95);

    void Row(string what, double seconds, double referenceSeconds) =>
        Console.WriteLine($"{what,-46} {seconds,8:F3} {records / seconds,12:N0} {referenceSeconds / seconds,9:P0}");
}

static async Task<double> AllSinksAsync(long records, Options options, bool intakeDown)
{
    await using var sinks = await AllSinks.StartAsync(Resync.Core.Links.Tenants.Default, intakeDown);
    await RunLinkAsync(100_000, [], options.Parallelism, events: sinks.Events);
    return await Median(options.Repeat, async () => (await RunLinkAsync(records, [], options.Parallelism, events: sinks.Events)).Seconds);
}

[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification =
    "Each sampler is disposed before its peaks are read, and by await using if the run throws first.")]
static async Task MemoryAsync(Options options)
{
    var sizes = options.Records.Count > 0 ? options.Records : [1_000_000, 10_000_000];
    await RunLinkAsync(100_000, [], options.Parallelism);
    Console.WriteLine();
    Console.WriteLine($"{"records",12} {"seconds",8} {"records/s",12} {"peak heap MB",13} {"peak working set MB",20}");
    foreach (var size in sizes)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        await using var sampler = new MemorySampler(TimeSpan.FromMilliseconds(20));
        var (seconds, _) = await RunLinkAsync(size, [], options.Parallelism);
        await sampler.DisposeAsync();
        Console.WriteLine($"{size,12:N0} {seconds,8:F2} {size / seconds,12:N0} {sampler.PeakHeapBytes / 1048576.0,13:F1} {sampler.PeakWorkingSetBytes / 1048576.0,20:F1}");
        BenchSummary.Add("memory", $"engine, no-op target, {size:N0} records: peak working set", $"{sampler.PeakWorkingSetBytes / 1048576.0:F0} MB");
    }
}

static double SourceOnly(long records)
{
    var stopwatch = Stopwatch.StartNew();
    long fields = 0;
    for (long first = 0; first < records; first += 1000)
    {
        var page = GeneratingSource.MakePage(first, (int)Math.Min(1000, records - first));
        fields += page.Length;
    }
    stopwatch.Stop();
    if (fields != records)
        throw new InvalidOperationException("The source made the wrong number of records.");
    return stopwatch.Elapsed.TotalSeconds;
}

static async Task<double> FreshStoreRunAsync(long records, int parallelism)
{
    // A new state file per run, as a one-off `resync run` on a new state file: the file and its WAL grow from nothing.
    await using var fresh = await BenchStore.OpenAsync();
    return (await RunLinkAsync(records, [], parallelism)).Seconds;
}

static async Task<(double Seconds, RunResult Result)> RunLinkAsync(long records, IReadOnlyList<IStep> steps, int parallelism, bool sqlite = true,
    Microsoft.Extensions.Logging.ILogger? events = null)
{
    IRunStore store = sqlite ? BenchStore.Sqlite : new NullRunStore();
    var link = new Link("bench", new GeneratingSource(records, 1000), steps, new NoOpTarget(),
        new LinkSettings { BatchSize = 1000, Parallelism = parallelism });
    var engine = new RunEngine(store, TimeProvider.System, events: events);

    var stopwatch = Stopwatch.StartNew();
    var result = await engine.RunAsync(link, new RunRequest(RunKind.Manual, "benchmark"));
    stopwatch.Stop();

    var stored = sqlite ? await BenchStore.Sqlite.GetRunAsync(result.RunId, CancellationToken.None) : null;
    if (result.Status != RunStatus.Succeeded || result.Counts.Read != records
        || (sqlite && (stored?.Counts.Succeeded != records || stored.Status != RunStatus.Succeeded)))
        throw new InvalidOperationException($"The run did not account for every record: {result}, stored {stored?.Counts}");
    return (stopwatch.Elapsed.TotalSeconds, result);
}

static async Task<double> Median(int repeat, Func<Task<double>> measure)
{
    var results = new List<double>();
    for (var i = 0; i < repeat; i++)
        results.Add(await measure());
    return Statistics.Median(results);
}

/// <summary>The SQLite run store shared by every run of one benchmark process, in a temporary folder removed at the end.</summary>
internal sealed class BenchStore : IAsyncDisposable
{
    private static SqliteRunStore? _sqlite;
    private readonly TempDirectory _folder;
    private readonly SqliteRunStore? _previous;
    private readonly SqliteRunStore _own;

    private BenchStore(TempDirectory folder, SqliteRunStore own, SqliteRunStore? previous)
    {
        _folder = folder;
        _own = own;
        _previous = previous;
    }

    public static SqliteRunStore Sqlite => _sqlite ?? throw new InvalidOperationException("The benchmark store is not open.");

    public static async Task<BenchStore> OpenAsync()
    {
        var folder = new TempDirectory("resync-bench");
        var store = new SqliteRunStore(folder.Combine("state.db"));
        await store.InitializeAsync(CancellationToken.None);
        var opened = new BenchStore(folder, store, _sqlite);
        _sqlite = store;
        return opened;
    }

    public async ValueTask DisposeAsync()
    {
        await _own.DisposeAsync();
        _sqlite = _previous;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}

internal sealed record Options(IReadOnlyList<long> Records, int Repeat, int Parallelism, int Fetches, int Concurrency, double Scale)
{
    public static Options Parse(string[] args)
    {
        var records = new List<long>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--records")
                records.AddRange(args[i + 1].Split(',').Select(value => long.Parse(value.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)));
            else
                values[args[i]] = args[i + 1];
        }
        int Int(string option, int otherwise) => values.TryGetValue(option, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : otherwise;
        var scale = values.TryGetValue("--scale", out var given) ? double.Parse(given, CultureInfo.InvariantCulture) : 1.0;
        return new Options(records, Int("--repeat", 3), Int("--parallelism", Environment.ProcessorCount), Int("--fetches", 4), Int("--concurrency", 4), scale);
    }
}
