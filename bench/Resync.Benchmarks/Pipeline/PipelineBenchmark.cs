using System.Diagnostics;
using System.Runtime;
using Npgsql;
using Resync.Core.Engine;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Testing.Postgres;

namespace Resync.Benchmarks.Pipeline;

/// <summary>
/// HTTP JSON API on loopback → three steps → PostgreSQL upsert with per-record errors, 1% bad records, through
/// <see cref="RunEngine"/> and the SQLite run store; against <see cref="BareLoop"/> in the same process, alternating.
/// </summary>
internal static class PipelineBenchmark
{
    private const int PageSize = 1000;
    private const string ResyncTable = "contacts_resync";
    private const string BareTable = "contacts_bare";
    /// <summary>At most this many warm-up runs (or pairs) before the measured rounds.</summary>
    internal const int MaxWarmUps = 8;
    /// <summary>Short warm-up runs (pairs) that bring the code run once per run to tier 1 before the measured rounds.</summary>
    private const int ShortWarmUps = 80;

    public static async Task RunAsync(long records, int repeat, int writers, int fetches)
    {
        await using var server = await PostgresServer.StartAsync(CancellationToken.None);
        await using var dataSource = PipelineParts.DataSource(server);
        await using var api = await ContactsApi.StartAsync();
        await ContactsTable.CreateAsync(dataSource, ResyncTable, ContactsApi.PhoneLimit);
        await ContactsTable.CreateAsync(dataSource, BareTable, phoneLimit: null);
        var bare = new BareLoop(api.Url, dataSource, BareTable, PageSize, fetches, writers);

        // Warm up the JIT, the connection pools and the server on runs of each side, until pairs of runs leave the JIT
        // nearly idle. One pair is not enough: tiered compilation delays promoting methods to tier 1 (and PGO's instrumented
        // tier) until 100 ms pass without new tier-0 code, and each side's run brings new tier-0 code, so a single pair left a
        // backlog of ~2,800 methods (1.8 s of JIT) that the first measured round paid; with DOTNET_TC_CallCountingDelayMs=0
        // the first round's JIT fell to 0.1 s. The promotions come in waves (a pair at 0.1 s was followed by one at 0.3 s), so
        // the pairs stop when two in a row compile for under 0.1 s each (the measured rounds' own level: 0.02–0.06 s), at most
        // MaxWarmUps. One quiet pair was not enough: the first measured round after it still compiled 0.18–0.29 s of Resync's
        // code (350–430 methods) in four runs of four; after two, 0.05–0.07 s.
        var warmUp = Math.Min(records, 200_000);
        var quietPairs = 0;
        for (var pair = 1; pair <= MaxWarmUps; pair++)
        {
            var warmResync = await ResyncOnceAsync(api, dataSource, warmUp, writers, fetches);
            var warmBare = await BareOnceAsync(bare, dataSource, warmUp);
            var jit = warmResync.JitSeconds + warmBare.JitSeconds;
            Console.WriteLine($"  warm-up {pair}: {warmUp:N0} records each, JIT {jit:F2} s / {warmResync.JitMethods + warmBare.JitMethods:N0} methods");
            quietPairs = jit < 0.1 ? quietPairs + 1 : 0;
            if (quietPairs == 2)
                break;
        }
        // Short runs, many: code that runs once per run or per connection (the engine's run method, the store's reads, the
        // target's table lookup, an HTTP connection's setup) reaches tier 1 only after about 30 calls, and PGO's instrumented
        // tier before it takes as many again; the pairs above make a handful. Left at tier 0, it was compiled in the measured
        // rounds instead: 0.04–0.18 s of JIT in each of Resync's rounds against the bare loop's 0.00–0.04 s (2026-12-04), a per-process
        // cost that a long-lived server pays once, counted here as per-record CPU.
        var shortRun = Math.Min(records, PageSize);
        var shortJit = 0.0;
        for (var pair = 0; pair < ShortWarmUps; pair++)
        {
            var resyncShort = await ResyncOnceAsync(api, dataSource, shortRun, writers, fetches);
            var bareShort = await BareOnceAsync(bare, dataSource, shortRun);
            shortJit += resyncShort.JitSeconds + bareShort.JitSeconds;
        }
        Console.WriteLine($"  warm-up of the per-run code: {ShortWarmUps} pairs of {shortRun:N0} records each, JIT {shortJit:F2} s");
        if (records > warmUp)
        {
            // One pair more at the measured size, unmeasured: PostgreSQL makes its WAL's 16 MB segment files (zero-filled) only
            // as a run first needs them, and keeps them for reuse after. Runs of 200,000 records kept 6; the first run of a
            // million records made 19 more (about 300 MB written besides its own WAL), and whichever side ran first paid it:
            // 72 % for round 1 against 89 % for rounds 2 and 3 in one run (2026-12-04).
            await ResyncOnceAsync(api, dataSource, records, writers, fetches);
            await BareOnceAsync(bare, dataSource, records);
            Console.WriteLine($"  warm-up at the measured size: {records:N0} records each");
        }

        var resyncRuns = new List<Measured>();
        var bareRuns = new List<Measured>();
        for (var i = 0; i < repeat; i++)
        {
            // Alternate which side goes first, so that neither always follows the other's checkpoint or garbage.
            if (i % 2 == 0)
            {
                resyncRuns.Add(await ResyncOnceAsync(api, dataSource, records, writers, fetches));
                bareRuns.Add(await BareOnceAsync(bare, dataSource, records));
            }
            else
            {
                bareRuns.Add(await BareOnceAsync(bare, dataSource, records));
                resyncRuns.Add(await ResyncOnceAsync(api, dataSource, records, writers, fetches));
            }
            Console.WriteLine($"  round {i + 1}: Resync {records / resyncRuns[^1].Seconds:N0} records/s, bare loop {records / bareRuns[^1].Seconds:N0} records/s, " +
                $"ratio {bareRuns[^1].Seconds / resyncRuns[^1].Seconds:P0}; CPU ratio {resyncRuns[^1].CpuSeconds / bareRuns[^1].CpuSeconds:F2}×; " +
                $"JIT {resyncRuns[^1].JitSeconds:F2} s / {resyncRuns[^1].JitMethods:N0} methods vs {bareRuns[^1].JitSeconds:F2} s / {bareRuns[^1].JitMethods:N0}");
            Console.WriteLine($"    CPU s: Resync {resyncRuns[^1].CpuSeconds:F2} (workers {resyncRuns[^1].WorkerSeconds:F2}, state writer {resyncRuns[^1].WriterSeconds:F2}), " +
                $"bare loop {bareRuns[^1].CpuSeconds:F2} (workers {bareRuns[^1].WorkerSeconds:F2})");
        }

        var resync = Median(resyncRuns);
        var reference = Median(bareRuns);
        Console.WriteLine();
        Console.WriteLine($"{records:N0} records ({ContactsApi.BadCount(records):N0} bad), pages of {PageSize}, {fetches} concurrent fetches, {writers} writers; median of {repeat}");
        Console.WriteLine($"{"what",-58} {"seconds",8} {"records/s",11} {"alloc B/rec",12} {"our CPU s",10} {"GC pause s",11} {"JIT s",6}");
        Row("Resync: HTTP source → 3 steps → PostgreSQL upsert, errors", resync);
        Row("bare loop: fetch + parse + same upsert, no error handling", reference);
        // Three ways of pairing. The headline is the totals over the measured rounds (each side's records over its seconds,
        // its CPU seconds over its records): every round counts by its length, so one slow or fast round moves it least.
        // The medians of each side and the median of the rounds' ratios (the two runs of a round are next to each other in
        // time, so they share the machine's load best) stay for comparison with older figures.
        var roundRatio = Statistics.Median([.. resyncRuns.Zip(bareRuns, (r, b) => b.Seconds / r.Seconds)]);
        var roundCpu = Statistics.Median([.. resyncRuns.Zip(bareRuns, (r, b) => r.CpuSeconds / b.CpuSeconds)]);
        var rate = bareRuns.Sum(run => run.Seconds) / resyncRuns.Sum(run => run.Seconds);
        var cpu = resyncRuns.Sum(run => run.CpuSeconds) / bareRuns.Sum(run => run.CpuSeconds);
        var allocated = resyncRuns.Sum(run => (double)run.AllocatedBytes) / bareRuns.Sum(run => (double)run.AllocatedBytes);
        Console.WriteLine($"Resync / bare loop, records/s: {rate:P1} of the totals over the {repeat} rounds; {reference.Seconds / resync.Seconds:P0} of the medians, " +
            $"{roundRatio:P0} median of the rounds' ratios (target ≥ 90 %)");
        Console.WriteLine($"Resync / bare loop per record, totals over the rounds: {allocated:F2}× the bytes allocated, {cpu:F2}× the CPU time; " +
            $"median round's CPU {resync.CpuSeconds / reference.CpuSeconds:F2}×, median of the rounds' CPU ratios {roundCpu:F2}× (targets ≤ 1.3×)");
        var bareCpu = bareRuns.Sum(run => run.CpuSeconds);
        Console.WriteLine($"Resync's CPU by thread, totals over the rounds, per the bare loop's CPU: workers {resyncRuns.Sum(run => run.WorkerSeconds) / bareCpu:F2}× " +
            $"(the bare loop's {bareRuns.Sum(run => run.WorkerSeconds) / bareCpu:F2}×), state writer {resyncRuns.Sum(run => run.WriterSeconds) / bareCpu:F2}×");
        BenchSummary.Add("pipeline", "Resync / bare loop, records/s (HTTP → 3 steps → PostgreSQL)", $"{rate:P1}", "≥ 90 %", rate >= 0.9);
        BenchSummary.Add("pipeline", "Resync / bare loop, bytes allocated per record", $"{allocated:F2}×", "≤ 1.3×", allocated <= 1.3);
        BenchSummary.Add("pipeline", "Resync / bare loop, CPU time per record", $"{cpu:F2}×", "≤ 1.3×", cpu <= 1.3);

        void Row(string what, Measured measured) =>
            Console.WriteLine($"{what,-58} {measured.Seconds,8:F2} {records / measured.Seconds,11:N0} {measured.AllocatedBytes / (double)records,12:N0} {measured.CpuSeconds,10:F2} {measured.GcPauseSeconds,11:F2} {measured.JitSeconds,6:F2}");
    }

    private static async Task<Measured> ResyncOnceAsync(ContactsApi api, NpgsqlDataSource dataSource, long records, int writers, int fetches)
    {
        await ContactsTable.TruncateAsync(dataSource, ResyncTable);
        await using var target = PipelineParts.Target(dataSource, ResyncTable);
        var link = PipelineParts.Link("pipeline-bench", PipelineParts.Source(api, records, fetches), target, new LinkSettings { BatchSize = PageSize, Parallelism = writers });
        var engine = new RunEngine(BenchStore.Sqlite, TimeProvider.System);

        var (measured, result) = await MeasureAsync("resync", () => engine.RunAsync(link, new RunRequest(RunKind.Manual, "benchmark")));
        await CheckResyncAsync(dataSource, records, result);
        return measured;
    }

    private static async Task<Measured> BareOnceAsync(BareLoop bare, NpgsqlDataSource dataSource, long records)
    {
        await ContactsTable.TruncateAsync(dataSource, BareTable);
        var (measured, written) = await MeasureAsync("bare", () => bare.RunAsync(records));
        var stored = await ContactsTable.ScalarAsync(dataSource, $"SELECT count(*) FROM {BareTable}");
        if (written != records || stored != records)
            throw new InvalidOperationException($"The bare loop wrote {written:N0} rows ({stored:N0} in its table) of {records:N0}.");
        return measured;
    }

    // Exactly the bad records failed, each at the target on the phone column; every other record is in the table.
    private static async Task CheckResyncAsync(NpgsqlDataSource dataSource, long records, RunResult result)
    {
        var bad = ContactsApi.BadCount(records);
        var stored = await BenchStore.Sqlite.GetRunAsync(result.RunId, CancellationToken.None);
        var expectedStatus = bad > 0 ? RunStatus.CompletedWithErrors : RunStatus.Succeeded;
        if (result.Status != expectedStatus || result.Counts.Read != records || result.Counts.Failed != bad || result.Counts.Succeeded != records - bad
            || stored is null || stored.Status != expectedStatus || stored.Counts.Failed != bad || stored.Counts.Succeeded != records - bad)
            throw new InvalidOperationException($"The run did not end as expected ({bad:N0} failed of {records:N0}): {result}, stored {stored?.Counts}");

        var rows = await ContactsTable.ScalarAsync(dataSource, $"SELECT count(*) FROM {ResyncTable}");
        var badRows = await ContactsTable.ScalarAsync(dataSource, $"SELECT count(*) FROM {ResyncTable} WHERE id % 100 = 37");
        if (rows != records - bad || badRows != 0)
            throw new InvalidOperationException($"The table holds {rows:N0} rows ({badRows:N0} bad) instead of {records - bad:N0}.");

        var failed = 0L;
        for (var offset = 0; ; offset += 1000)
        {
            var page = await BenchStore.Sqlite.ListRecordsAsync(result.RunId, new RecordFilter(OutcomeKind.Failed, offset, 1000), CancellationToken.None);
            if (page.Count == 0)
                break;
            foreach (var record in page)
            {
                if (!long.TryParse(record.Key, out var id) || !ContactsApi.IsBad(id) || record.Error is not { Step: "target", Type: ErrorType.Data } error
                    || !error.Fields.Contains("phone"))
                    throw new InvalidOperationException($"Record {record.Key} failed unexpectedly: {record.Error}");
            }
            failed += page.Count;
        }
        if (failed != bad)
            throw new InvalidOperationException($"The store lists {failed:N0} failed records instead of {bad:N0}.");
    }

    // PIPELINE_MARKS=1 prints each run's start and end on the monotonic clock, to split a `perf record -k CLOCK_MONOTONIC` by side.
    private static readonly bool Marks = Environment.GetEnvironmentVariable("PIPELINE_MARKS") == "1";

    private static async Task<(Measured Measured, T Result)> MeasureAsync<T>(string side, Func<Task<T>> run)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var pause = GC.GetTotalPauseDuration();
        var jit = JitInfo.GetCompilationTime();
        var jitMethods = JitInfo.GetCompiledMethodCount();
        var threads = ThreadCpu.Start();
        var stopwatch = Stopwatch.StartNew();
        var started = Stopwatch.GetTimestamp();
        var result = await run();
        stopwatch.Stop();
        var (workers, writer) = threads.Stop();
        if (Marks)
            Console.WriteLine($"  mark {side} {started * (1_000_000_000.0 / Stopwatch.Frequency):F0} {Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency):F0}");
        var measured = new Measured(stopwatch.Elapsed.TotalSeconds, GC.GetTotalAllocatedBytes(precise: true) - allocated,
            (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, (GC.GetTotalPauseDuration() - pause).TotalSeconds,
            (JitInfo.GetCompilationTime() - jit).TotalSeconds, JitInfo.GetCompiledMethodCount() - jitMethods, workers, writer);
        return (measured, result);
    }

    private static Measured Median(List<Measured> runs) => runs.OrderBy(run => run.Seconds).ElementAt(runs.Count / 2);

    /// <summary>
    /// One timed run: wall-clock seconds, bytes allocated by the whole process (the API server's included), this process's CPU
    /// time, GC pauses, the JIT's compilation time and methods compiled meanwhile (on any thread: tiering's rejits included), and
    /// the CPU time of the thread pool's workers and of the state store's writer (<see cref="ThreadCpu"/>).
    /// </summary>
    private sealed record Measured(double Seconds, long AllocatedBytes, double CpuSeconds, double GcPauseSeconds, double JitSeconds, long JitMethods,
        double WorkerSeconds, double WriterSeconds);
}
