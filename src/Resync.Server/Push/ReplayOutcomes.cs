using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Server.Push;

/// <summary>
/// Which failed records of a run its automated replays have written since, so that a push's answer never calls Failed a
/// record that is in the target. A replay carries its parent's retriable failed records in order, in full batches of the
/// link's size, so the k-th record it read is the parent's k-th; what it did not keep as failed, ignored or incomplete
/// it wrote.
/// </summary>
internal static class ReplayOutcomes
{
    private const int PageSize = 1000;

    /// <summary>The (batch, position) in <paramref name="runId"/> of each failed record a replay wrote, with that replay's id.</summary>
    /// <param name="includesDurable">Whether the replays carried records with durable errors (by default they carry only ephemeral ones).</param>
    public static async Task<Dictionary<(int Batch, int Position), long>> WrittenByReplaysAsync(IRunQueries queries, IRecoveryStore recovery, long runId,
        int batchSize, bool includesDurable, CancellationToken cancellationToken)
    {
        var written = new Dictionary<(int, int), long>();
        var parent = runId;
        Dictionary<(int, int), (int, int)>? origin = null; // where each record of the current parent came from in the run (null: itself)
        foreach (var childId in await recovery.ListChildRunsAsync(runId, cancellationToken))
        {
            if (await queries.GetRunAsync(childId, cancellationToken) is not { Kind: RunKind.Replay, Status: not RunStatus.Running } replay || replay.ParentRunId != parent)
                continue;
            var carried = await CarriedAsync(queries, parent, includesDurable, cancellationToken);
            var kept = new Dictionary<(int, int), OutcomeKind>();
            for (var offset = 0; ; offset += PageSize)
            {
                var page = await queries.ListRecordsAsync(replay.Id, new RecordFilter(null, offset, PageSize)
                    { Outcomes = [OutcomeKind.Failed, OutcomeKind.Ignored, OutcomeKind.Incomplete] }, cancellationToken);
                foreach (var record in page)
                    kept[(record.BatchNumber, record.Position)] = record.Outcome;
                if (page.Count < PageSize)
                    break;
            }
            var next = new Dictionary<(int, int), (int, int)>();
            for (var k = 0; k < carried.Count && k < replay.Counts.Read; k++)
            {
                var at = (k / batchSize + 1, k % batchSize);
                var first = origin is null ? carried[k] : origin.GetValueOrDefault(carried[k], (-1, -1));
                if (!kept.TryGetValue(at, out var outcome))
                    written[first] = replay.Id;
                else if (outcome == OutcomeKind.Failed)
                    next[at] = first;
            }
            (parent, origin) = (replay.Id, next);
        }
        return written;
    }

    private static async Task<List<(int, int)>> CarriedAsync(IRunQueries queries, long runId, bool includesDurable, CancellationToken cancellationToken)
    {
        var carried = new List<(int, int)>();
        (int, int)? after = null;
        while (true)
        {
            var page = await queries.ListRetriableFailedRecordsAsync(runId, null, after, PageSize, cancellationToken);
            carried.AddRange(page.Where(record => includesDurable || !record.Durable).Select(record => (record.BatchNumber, record.Position)));
            if (page.Count < PageSize)
                return carried;
            after = (page[^1].BatchNumber, page[^1].Position);
        }
    }
}
