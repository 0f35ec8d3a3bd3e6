using System.Globalization;
using Resync.Benchmarks.Pipeline;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Storage.Sqlite;
using Resync.Testing;

namespace Resync.Benchmarks;

/// <summary>
/// What the SQLite state file's single writer spends per batch, alone: the writes a run makes for each batch of 1,000 records
/// (its start, then its result with the outcome rows of its failed records), queued as the engine queues them (two batches
/// started and two finished per commit), with no source, steps or target beside them. The pipeline benchmark shows the same
/// writer's CPU among its workers' on a noisy machine; here it is the only work, so a change to what the store writes shows in
/// one run. Rounds alternate batches with 10 failed records (1%, ~1.1 KB of error and snapshots each) and batches with none:
/// the difference is what a failed record's row costs.
/// </summary>
internal static class StateWritesBenchmark
{
    private const int FailedPerBatch = 10;
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-12-04T10:00:00Z", CultureInfo.InvariantCulture);

    public static async Task RunAsync(int batches, int repeat)
    {
        await MeasureAsync(batches / 4, FailedPerBatch); // warm-up: JIT, and the file's first pages
        var withRows = new List<double>();
        var without = new List<double>();
        for (var round = 1; round <= repeat; round++)
        {
            var failed = await MeasureAsync(batches, FailedPerBatch);
            var clean = await MeasureAsync(batches, 0);
            withRows.Add(failed);
            without.Add(clean);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {round}: writer CPU per batch {failed:F0} µs with {FailedPerBatch} failed records, {clean:F0} µs with none"));
        }
        var medianWith = Statistics.Median(withRows);
        var medianWithout = Statistics.Median(without);
        var perRow = (medianWith - medianWithout) / FailedPerBatch;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{batches:N0} batches of 1,000 records per round, medians of {repeat}: the state writer's CPU per batch {medianWith:F0} µs with {FailedPerBatch} failed records, {medianWithout:F0} µs with none; {perRow:F1} µs per failed record's row"));
        BenchSummary.Add("state-writes", "State writer's CPU per batch (1% failed) / per failed record", string.Create(CultureInfo.InvariantCulture, $"{medianWith:F0} / {perRow:F1} µs"));
    }

    /// <summary>The writer's CPU per batch, in microseconds, over <paramref name="batches"/> batches written to a new state file.</summary>
    private static async Task<double> MeasureAsync(int batches, int failedPerBatch)
    {
        using var folder = new TempDirectory("resync-bench-writes");
        var store = new SqliteRunStore(folder.Combine("state.db"));
        await using var _ = store;
        await store.InitializeAsync(CancellationToken.None);
        await store.EnsureLinkAsync("state-writes", "default", CancellationToken.None);
        var runId = await store.CreateRunAsync(new NewRun("state-writes", "default", RunKind.Manual, "benchmark", null, null, "benchmark", At), CancellationToken.None);
        var outcomes = Enumerable.Range(1, batches).Select(batch => FailedRecords(batch, failedPerBatch)).ToArray();

        var cpu = ThreadCpu.Start();
        var writes = new List<Task>(4);
        for (var next = 1; next <= batches + 2; next += 2)
        {
            writes.Clear();
            // Like the engine: the batches started two ago finish while the next two start, in one commit.
            for (var finished = next - 2; finished < next; finished++)
            {
                if (finished >= 1 && finished <= batches)
                    writes.Add(store.BatchFinishedHeldAsync(new BatchResult(runId, finished, $"page={finished}", failedPerBatch > 0 ? BatchStatus.CompletedWithErrors : BatchStatus.Succeeded,
                        1000, 1000 - failedPerBatch, failedPerBatch, 0, 0, null, outcomes[finished - 1], At), CancellationToken.None));
            }
            for (var started = next; started < next + 2 && started <= batches; started++)
                writes.Add(store.BatchStartedHeldAsync(runId, started, $"page={started}", 1000, null, At, CancellationToken.None));
            store.CommitHeldWrites();
            await Task.WhenAll(writes);
        }
        var (_, writer) = cpu.Stop();
        // Checked as every benchmark's runs are: each batch and each failed record's row stored.
        var run = await store.GetRunAsync(runId, CancellationToken.None);
        var rows = await store.CountRecordsAsync(runId, new RecordFilter(OutcomeKind.Failed), CancellationToken.None);
        if (run?.Counts.BatchesTotal != batches || run.Counts.Failed != (long)batches * failedPerBatch || rows != batches * failedPerBatch)
            throw new InvalidOperationException($"The state file does not hold what was written: {run?.Counts.BatchesTotal} batches, {run?.Counts.Failed} failed, {rows} rows of failed records.");
        return writer * 1e6 / batches;
    }

    /// <summary>Failed records as the pipeline's target refuses them: a phone too long for its column, with both snapshots.</summary>
    private static List<RecordOutcome> FailedRecords(int batch, int count)
    {
        var records = new List<RecordOutcome>(count);
        for (var i = 0; i < count; i++)
        {
            var position = (i * 100) + 37;
            var id = ((long)batch * 1000) + position;
            var before = new Dictionary<string, object?>
            {
                ["id"] = id, ["name"] = $"Customer {id:D7} of the benchmark tenant", ["email"] = $"customer{id}@example.org",
                ["phone"] = "+41 44 555 0000 extension 1234567890 (ask for the front desk please)",
                ["address"] = $"Bahnhofstrasse {id % 500}, 8001 Zürich, Switzerland", ["amount"] = $"{id % 100_000}.{id % 100:D2}", ["country"] = "CH",
            };
            var after = new Dictionary<string, object?>(before) { ["amount"] = (decimal)(id % 100_000) + (id % 100 / 100m) };
            var error = new ResyncError(ErrorScope.Record, ErrorType.Data, Durability.Durable, "22001", "value too long for type character varying(40)", "target",
                ["phone"], "The phone is longer than the column allows (40 characters): shorten it in a step, or widen the column.", At, 1);
            records.Add(new RecordOutcome(position, id.ToString(CultureInfo.InvariantCulture), OutcomeKind.Failed, error, null, null, [], new Snapshot(before, after)));
        }
        return records;
    }
}
