using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Core.Recovery;

/// <summary>Works out what a recovery run of a run would carry, by reading the run's batches and failed records (paged).</summary>
internal sealed class RecoveryPlanner(IRunQueries queries)
{
    private const int PageSize = 1000;

    public async Task<RecoveryPlan> PlanAsync(long runId, RecoveryScope scope, ErrorGroupKey? group, string? resumeCursor, CancellationToken cancellationToken)
    {
        var run = await queries.GetRunAsync(runId, cancellationToken)
            ?? throw new KeyNotFoundException($"There is no run {runId}.");
        if (run.Status == RunStatus.Running)
            throw new InvalidOperationException($"Run {runId} is still running; its failures can be retried once it has ended.");

        var batches = await BatchesAsync(queries, runId, cancellationToken);
        var readAgain = scope == RecoveryScope.Remainder ? CrashedPull.ReadAgain(batches.Select(b => (b.Number, b.Cursor)), resumeCursor) : new Dictionary<string, int>();
        // A batch the resume takes again from the source is not carried as a failure besides.
        var takenAgain = readAgain.Values.ToHashSet();
        var failedBatches = batches.Where(b => b.Status.IsFetchedAgainWhole() && !takenAgain.Contains(b.Number)).Select(b => (b.Number, b.Cursor)).ToList();
        var counts = await queries.CountFailedRecordsAsync(runId, scope == RecoveryScope.ErrorGroup ? group : null, cancellationToken);
        var (records, notRetriable, outsideScope) = (counts.Retriable, counts.NotRetriable, counts.OutsideGroup);
        if (scope == RecoveryScope.EphemeralFailedRecords)
            (records, outsideScope) = (records - counts.RetriableDurable, outsideScope + counts.RetriableDurable);

        var carriedBatches = scope is RecoveryScope.AllFailures or RecoveryScope.Remainder ? failedBatches : [];
        var carriesAll = notRetriable == 0 && outsideScope == 0 && carriedBatches.Count == failedBatches.Count
            // A run that stopped partway left pages unread: only a resume that reads them carries everything.
            && (run.SystemError is null || scope == RecoveryScope.Remainder && resumeCursor is not null || run.Counts.BatchesTotal == 0);
        return new RecoveryPlan(runId, scope, carriedBatches, records, notRetriable, scope == RecoveryScope.Remainder ? resumeCursor : null, carriesAll)
        {
            ResolvedByRunId = run.Status == RunStatus.Succeeded ? run.ResolvedByRunId : null,
            ReadAgain = readAgain,
        };
    }

    /// <summary>A failed record can be rebuilt from its snapshot unless none was kept or the source could not read it.</summary>
    internal static bool IsRetriable(RecordView record) => record.IsRetriable;

    /// <summary>Every batch of the run, in number order (read a page at a time).</summary>
    internal static async Task<List<BatchView>> BatchesAsync(IRunQueries queries, long runId, CancellationToken cancellationToken)
    {
        var batches = new List<BatchView>();
        for (var offset = 0; ; offset += PageSize)
        {
            var page = await queries.ListBatchesAsync(runId, offset, PageSize, cancellationToken);
            batches.AddRange(page);
            if (page.Count < PageSize)
                return batches;
        }
    }
}
