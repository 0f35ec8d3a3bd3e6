using System.Diagnostics;
using System.Globalization;
using Resync.Core.Engine;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Recovery;
using Resync.Core.Runs;
using Resync.Core.Sdk;
using Resync.Storage.Sqlite;

namespace Resync.Benchmarks;

/// <summary>
/// Retry Failures costs in proportion to what failed: a run of N records where 2% fail a target constraint
/// and a few pages fail to fetch, then Retry Failures once the cause is fixed. Reports both times, their ratio (target:
/// under 5%) and how many pages the retry fetched again (target: only the failed ones).
/// </summary>
internal static class RetryBenchmark
{
    private static readonly ErrorClassification TooLong = new(ErrorType.Data, Durability.Durable, "22001", "phone is longer than 40 characters", "Fix it.", ["phone"]);

    public static async Task RunAsync(SqliteRunStore store, long records, int parallelism, int repeat)
    {
        // Warm up on a small run so that JIT and file growth are not measured.
        await MeasureAsync(store, 50_000, parallelism, quiet: true);
        var runs = new List<(double Full, double Retry, int Refetched, long Carried)>();
        for (var i = 0; i < repeat; i++)
            runs.Add(await MeasureAsync(store, records, parallelism, quiet: false));

        var median = runs.OrderBy(r => r.Retry / r.Full).ElementAt(runs.Count / 2);
        RetryTable.Print($"{records:N0} records, pages of 1000, parallelism {parallelism}, 2% of records refused by the target, 5 pages failing to fetch; median of {repeat} by ratio",
            records, median.Full, median.Retry, $"{median.Carried:N0} records carried, {median.Refetched} pages fetched again");
        BenchSummary.Add("retry", "Retry Failures / full run, no-op target (worst case)", $"{median.Retry / median.Full:P1}");
    }

    private static async Task<(double Full, double Retry, int Refetched, long Carried)> MeasureAsync(SqliteRunStore store, long records, int parallelism, bool quiet)
    {
        var failingPages = new HashSet<long> { 7, 123, 456, 789, 901 }.Where(p => p * 1000 < records).Select(p => p * 1000).ToHashSet();
        var source = new FlakySource(new GeneratingSource(records, 1000), failingPages);
        var target = new RefusingTarget(index => index % 50 == 7);
        var settings = new LinkSettings { BatchSize = 1000, Parallelism = parallelism };
        var link = new Link($"retry-bench-{Guid.NewGuid():N}", source, [], target, settings);
        var runner = new LinkRunner(store, store, store, TimeProvider.System);

        var watch = Stopwatch.StartNew();
        var full = (await runner.RunAsync(link, new RunRequest(RunKind.Manual, "benchmark"))).Run;
        var fullSeconds = watch.Elapsed.TotalSeconds;

        source.Heal();
        target.Fix();
        watch.Restart();
        var retry = await runner.RetryFailuresAsync(link, full.RunId);
        var retrySeconds = watch.Elapsed.TotalSeconds;

        var root = await store.GetRunAsync(full.RunId, CancellationToken.None);
        if (retry.Status != RunStatus.Succeeded || root!.Status != RunStatus.Succeeded || source.Refetched != failingPages.Count
            || retry.Counts.Read != full.Counts.Failed + (failingPages.Count * 1000L))
            throw new InvalidOperationException($"The retry did not do what it should: retry {retry.Status} read {retry.Counts.Read}, root {root?.Status}, pages fetched again {source.Refetched}.");
        if (!quiet)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  full {fullSeconds:F2}s ({full.Counts.Failed:N0} failed, {full.Counts.BatchesFailed} batches failed) · retry {retrySeconds:F2}s ({retry.Counts.Read:N0} read) · {retrySeconds / fullSeconds:P1}"));
        return (fullSeconds, retrySeconds, source.Refetched, retry.Counts.Read);
    }

    /// <summary>A generating source whose given pages fail to fetch until healed; counts the pages fetched again.</summary>
    private sealed class FlakySource(GeneratingSource inner, IReadOnlySet<long> failing) : ISource
    {
        private bool _healed;
        private int _refetched;

        public int Refetched => Volatile.Read(ref _refetched);

        public void Heal() => _healed = true;

        public async IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var page in inner.ReadAsync(context, cancellationToken))
            {
                yield return !_healed && failing.Contains(long.Parse(page.Cursor, CultureInfo.InvariantCulture))
                    ? SourcePage.Failed(page.Cursor, new TimeoutException($"page {page.Cursor} timed out"))
                    : page;
            }
        }

        public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _refetched);
            return inner.FetchPageAsync(cursor, context, cancellationToken);
        }
    }

    /// <summary>A target that writes nothing and refuses the records the predicate picks, until fixed.</summary>
    private sealed class RefusingTarget(Func<long, bool> refuses) : ITarget
    {
        private volatile bool _fixed;

        public void Fix() => _fixed = true;

        public Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken)
        {
            if (_fixed)
                return Task.FromResult(TargetWriteResult.AllWritten);
            List<TargetRecordIssue>? issues = null;
            for (var i = 0; i < batch.Records.Count; i++)
            {
                if (refuses(long.Parse(batch.Records[i].Key!, CultureInfo.InvariantCulture)))
                    (issues ??= []).Add(new TargetRecordIssue(i, TooLong));
            }
            return Task.FromResult(issues is null ? TargetWriteResult.AllWritten : new TargetWriteResult(issues));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
