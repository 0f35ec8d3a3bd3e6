using System.Globalization;
using Microsoft.Data.Sqlite;
using Resync.Testing.Http;
using Resync.Testing.Postgres;

namespace Resync.Cli.Tests;

/// <summary>
/// The crash harness: a pull link (an HTTP source on loopback → a SQLite or a PostgreSQL table whose triggers count writes per key) run by
/// <c>resync run</c> as a separate process, SIGKILLed at a seeded random point, then recovered with the documented
/// commands (<c>resync incomplete retry --all</c> until nothing is open, then <c>resync run</c> once more) and checked: no
/// run left Running, every run balanced, every record in the target exactly once (a batch the kill cut after its write
/// committed is found in the target's batch ledger by its resume, not written again), the watermark never ahead of what
/// committed, the state file intact.
/// A failing seed is in the failure message; <c>RESYNC_CRASH_SEED=n</c> replays it, <c>RESYNC_CRASH_SEEDS=n</c> runs more per
/// target (<c>tests/crash.sh</c>).
/// </summary>
public sealed class CrashHarnessTests : IAsyncLifetime
{
    private const int Records = 120;
    private const int PageSize = 10;
    private const int Parallelism = 2;
    /// <summary>
    /// Seeds per target by default (CI): each is a few seconds of separate processes, two at a time, so 30 take two or three
    /// minutes. <c>RESYNC_CRASH_SEEDS</c> runs more (tests/crash.sh); the same setting applies to both targets.
    /// </summary>
    private const int CiSeeds = 30;
    /// <summary>
    /// Seeds run at once by default, each with its own source, folder, state file and target (CI has 2 cores).
    /// <c>RESYNC_CRASH_AT_ONCE</c> raises it for a long run on a quiet machine: a seed mostly waits on its processes.
    /// </summary>
    private const int SeedsAtOnce = 2;
    private PostgresDatabase? _postgres;

    public Task InitializeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task KilledAtSeededPoints_RecoveredWithTheDocumentedCommands_LosesNothingAndWritesNothingTwice(string targetType)
    {
        var seeds = Environment.GetEnvironmentVariable("RESYNC_CRASH_SEED") is { Length: > 0 } one
            ? [int.Parse(one, CultureInfo.InvariantCulture)]
            : Enumerable.Range(1, int.Parse(Environment.GetEnvironmentVariable("RESYNC_CRASH_SEEDS") ?? CiSeeds.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)).ToArray();
        if (targetType == "postgres")
            _postgres = await PostgresDatabase.CreateAsync("crash");
        // A long run (tests/crash.sh) logs each seed as it ends, so that its figures survive a run cut short; every seed runs,
        // and the failing ones are named together at the end.
        var log = Environment.GetEnvironmentVariable("RESYNC_CRASH_LOG");
        using var logging = new SemaphoreSlim(1);
        var results = new System.Collections.Concurrent.ConcurrentBag<SeedResult>();
        await Parallel.ForEachAsync(seeds, new ParallelOptions { MaxDegreeOfParallelism = SeedsAtOnceFromEnvironment() }, async (seed, _) =>
        {
            var result = await CrashAndRecoverAsync(seed, targetType);
            results.Add(result);
            if (string.IsNullOrEmpty(log))
                return;
            await logging.WaitAsync(CancellationToken.None);
            try
            {
                await File.AppendAllTextAsync(log, result.LogLine(targetType), CancellationToken.None);
            }
            finally
            {
                logging.Release();
            }
        });
        var failed = results.Where(r => r.Failure is not null).OrderBy(r => r.Seed).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"crash harness ({targetType}): {results.Count} seeds, {results.Count} kills, {results.Count * Records} records checked, lost {results.Sum(r => r.Lost)}, written twice {results.Sum(r => r.Twice)}, written more than twice {results.Sum(r => r.MoreThanTwice)}, failing seeds {failed.Count}"));
        failed.ShouldBeEmpty(string.Join("\n", failed.Select(r => $"Crash seed {r.Seed} ({targetType}) failed (replay: RESYNC_CRASH_SEED={r.Seed} tests/crash.sh): {r.Failure}")));
    }

    private static int SeedsAtOnceFromEnvironment() =>
        Environment.GetEnvironmentVariable("RESYNC_CRASH_AT_ONCE") is { Length: > 0 } atOnce ? int.Parse(atOnce, CultureInfo.InvariantCulture) : SeedsAtOnce;

        /// <summary>What one seed found: records lost, written twice or more, and the first check that failed (null: none).</summary>
    private sealed record SeedResult(int Seed, int Lost, int Twice, int MoreThanTwice, long SucceededBeforeKill, string? Failure)
    {
        public string LogLine(string targetType) => string.Create(CultureInfo.InvariantCulture,
            $"{targetType} seed {Seed}: 1 kill after {SucceededBeforeKill} records committed, {Records} records checked, lost {Lost}, written twice {Twice}, more than twice {MoreThanTwice}{(Failure is null ? "" : $", FAILED: {Failure.ReplaceLineEndings(" ")}")}\n");
    }

    /// <summary>One seed: run, kill, recover, check. Any failed check is in the result, with the figures measured before it.</summary>
    private async Task<SeedResult> CrashAndRecoverAsync(int seed, string targetType)
    {
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var source = await FakeApi.StartAsync(async (context, request) =>
        {
            reading.TrySetResult();
            // A little slow, so that a kill can land anywhere in the run.
            await Task.Delay(15, CancellationToken.None);
            await ChangedContacts.AnswerAsync(context, request, Records, PageSize);
        });
        var found = new Found();
        try
        {
            await CrashAndRecoverAsync(seed, targetType, source.Url, reading.Task, found);
            return new SeedResult(seed, found.Lost, found.Twice, found.MoreThanTwice, found.SucceededBeforeKill, null);
        }
        catch (Exception exception) when (exception is ShouldAssertException or InvalidOperationException or TimeoutException or System.Text.Json.JsonException)
        {
            return new SeedResult(seed, found.Lost, found.Twice, found.MoreThanTwice, found.SucceededBeforeKill, exception.Message);
        }
    }

    /// <summary>The target's figures, measured before they are checked (so that a failing seed still reports them).</summary>
    private sealed class Found
    {
        public int Lost { get; set; }

        public int Twice { get; set; }

        public int MoreThanTwice { get; set; }

        /// <summary>How far the killed run got: the records it had committed (where the kill landed).</summary>
        public long SucceededBeforeKill { get; set; }
    }

    private async Task CrashAndRecoverAsync(int seed, string targetType, string sourceUrl, Task reading, Found found)
    {
        using var cli = new CliProcess();
        var (targetYaml, writes) = targetType == "postgres" ? await CreatePostgresTargetAsync() : CreateSqliteTarget(cli);
        var link = ChangedContacts.WritePullLink(cli, sourceUrl, targetYaml, PageSize, Parallelism);
        var random = new Random(seed);

        using (var run = cli.Start("run", link, "--db", cli.StateFile))
        {
            var output = run.StandardOutput.ReadToEndAsync();
            var error = run.StandardError.ReadToEndAsync();
            await Task.WhenAny(reading, run.WaitForExitAsync()).WaitAsync(TimeSpan.FromMinutes(2));
            await WaitForKillPointAsync(random, targetType, run, writes);
            run.Kill();
            await run.WaitForExitAsync();
            await Task.WhenAll(output, error);
        }

        // Recovery, as docs/recovery.md says: retry what was parked until nothing is open, then run the link again.
        await DocumentedRecovery.RecoverAsync(cli, link, cli.StateFile);
        var runs = await DocumentedRecovery.RunsBalancedAsync(cli, cli.StateFile);
        var killed = runs.MinBy(r => r!["id"]!.GetValue<long>())!["counts"]!;
        found.SucceededBeforeKill = killed["succeeded"]!.GetValue<long>();
        var written = await writes();
        found.Lost = Enumerable.Range(0, Records).Count(i => !written.ContainsKey(Key(i)));
        found.Twice = written.Values.Count(n => n == 2);
        found.MoreThanTwice = written.Values.Count(n => n > 2);
        var twice = written.Where(pair => pair.Value > 1).Select(pair => pair.Key).ToList();
        found.Lost.ShouldBe(0, "every record in the target");
        written.Keys.Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(0, Records).Select(Key), "every record in the target, and no other");
        // The batches the kill cut after their write committed (their start committed, not their result) are in the target's
        // batch ledger: their resume finds them there and writes nothing again.
        twice.ShouldBeEmpty($"no record written twice (the kill cut {killed["incomplete"]!.GetValue<long>()} records)");
        (await DocumentedRecovery.WatermarkAsync(cli, cli.StateFile, ChangedContacts.LinkName)).ShouldBe(Changed(Records - 1), "the watermark is where the chain read, never ahead of the target");
        CountedSqliteTable.Integrity(cli.StateFile).ShouldBe("ok");
    }

    /// <summary>
    /// Where the kill lands. SQLite: 0–500 ms after the source's first request, which spreads kills over the whole run. A
    /// PostgreSQL target starts slower (its connection, its ledger table), so that window ended almost every run before its first
    /// commit: one seed in four still kills in it, the others once the audit counts a seeded number of writes (1 to all but
    /// one record), then 0–20 ms later, so the kill lands before, inside and after a batch's commit.
    /// </summary>
    private static async Task WaitForKillPointAsync(Random random, string targetType, System.Diagnostics.Process run, Func<Task<Dictionary<string, int>>> writes)
    {
        if (targetType != "postgres" || random.Next(4) == 0)
        {
            await Task.Delay(random.Next(0, 500));
            return;
        }
        var afterWrites = random.Next(1, Records);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!run.HasExited && waited.Elapsed < TimeSpan.FromMinutes(2) && (await writes()).Values.Sum() < afterWrites)
            await Task.Delay(5);
        await Task.Delay(random.Next(0, 20));
    }

    private static (string Yaml, Func<Task<Dictionary<string, int>>> Writes) CreateSqliteTarget(CliProcess cli)
    {
        var path = Path.Combine(cli.Folder, "target.db");
        return (CountedSqliteTable.Create(path), () => Task.FromResult(CountedSqliteTable.Writes(path)));
    }

    /// <summary>A table in a schema of its own on the shared test cluster, its writes counted per key by <see cref="WriteAudit"/>.</summary>
    private async Task<(string Yaml, Func<Task<Dictionary<string, int>>> Writes)> CreatePostgresTargetAsync()
    {
        var database = _postgres ?? throw new InvalidOperationException("The PostgreSQL database is created with the test.");
        var connectionString = await database.CreateSchemaAsync("crash");
        // Unpooled: each seed has a schema (a connection string) of its own, and a pool kept per seed would hold the
        // server's connections until the test ends (a long run hit "53300: too many clients" after 97 seeds).
        var audit = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        await WriteAudit.CreateAsync(audit, "updated text, n bigint");
        Task<Dictionary<string, int>> Writes() => WriteAudit.CountAsync(audit);
        return ($"{{ type: postgres, connectionString: \"{connectionString}\", table: contacts, key: id, transactional: true }}", Writes);
    }

    private static string Key(int i) => ChangedContacts.Key(i);

    private static string Changed(int i) => ChangedContacts.Changed(i);

    public async Task DisposeAsync()
    {
        if (_postgres is not null)
            await _postgres.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }
}
