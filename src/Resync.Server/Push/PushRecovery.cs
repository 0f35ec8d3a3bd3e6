using System.Globalization;
using Resync.Connectors.Push;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Server.Push;

/// <summary>
/// At start, accounts for every acknowledged asynchronous push (or pushes sharing a run) whose run did not end (the process was killed): from the
/// stored payload, the records of batches cut by the stop and of pages never read are kept with their values in the run,
/// and the run's remainder is parked as an incomplete run due at once, which the scheduler resumes. Batches the run
/// finished stay as they are: their records reached the target and are not written again.
/// </summary>
internal sealed class PushRecovery(IRunStore runs, IRunQueries queries, IRecoveryStore recovery, IServerStore serverStore, TimeProvider clock)
{
    private const int PageSize = 1000;

    /// <summary>
    /// Recovers the run of <paramref name="pushes"/> (every push it ran, in the order of their ids, as it read them) if it needs it;
    /// returns the incomplete run parked, if any.
    /// </summary>
    public async Task<long?> RecoverAsync(IReadOnlyList<StoredPush> pushes, Link link, PushSource source, CancellationToken cancellationToken)
    {
        if (pushes[0].RunId is not { } runId || await queries.GetRunAsync(runId, cancellationToken) is not { } run || run.Status == RunStatus.Running)
            return null; // not started, unknown, or still run by a live process
        long? parked = null;
        // A run that stopped at shutdown parked its own remainder; one cut by a kill is Interrupted with nothing parked.
        if (run.Status == RunStatus.Interrupted
            && (await recovery.ListIncompleteAsync(new IncompleteFilter(Statuses: Enum.GetValues<IncompleteStatus>(), Limit: 1, RunId: runId), cancellationToken)).Count == 0
            && await KeepRemainderAsync(runId, link, [.. pushes.SelectMany(push => source.ReadBody(System.Text.Encoding.UTF8.GetBytes(push.Payload), int.MaxValue))],
                cancellationToken) > 0)
        {
            var now = clock.GetUtcNow();
            var error = run.SystemError ?? new ResyncError(ErrorScope.System, ErrorType.Runtime, Durability.Ephemeral, ErrorCodes.Interrupted,
                "The process running this run stopped before the run finished.", null, [], null, now, 1);
            parked = await recovery.ParkAsync(new IncompleteRunView(0, runId, link.Id, link.Tenant, IncompleteStatus.Scheduled, error, null, 0, now, now, null,
                "The server stopped while this push was processed; its records not yet written are resumed at the next start.", 0), CancellationToken.None);
        }
        await serverStore.PushesFinishedAsync([.. pushes.Select(push => push.Id)], clock.GetUtcNow(), CancellationToken.None);
        return parked;
    }

    /// <summary>Keeps the records no finished batch holds as incomplete records of the run; returns how many records wait.</summary>
    private async Task<int> KeepRemainderAsync(long runId, Link link, IReadOnlyList<Record> records, CancellationToken cancellationToken)
    {
        var covered = new bool[records.Count];
        var waiting = 0;
        var lastNumber = 0;
        for (var offset = 0; ; offset += PageSize)
        {
            var batches = await queries.ListBatchesAsync(runId, offset, PageSize, cancellationToken);
            foreach (var batch in batches)
            {
                lastNumber = Math.Max(lastNumber, batch.Number);
                // A push page's cursor is the index of its first record.
                if (!int.TryParse(batch.Cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var first) || first >= records.Count)
                    continue;
                var count = Math.Min(batch.Read, records.Count - first);
                Array.Fill(covered, true, first, count);
                if (batch.Status != BatchStatus.Interrupted || count == 0)
                    continue;
                waiting += count;
                // Cut while under way: its records were counted incomplete without their values.
                var kept = await queries.ListRecordsAsync(runId, new RecordFilter(null, 0, 1, batch.Number), cancellationToken);
                if (kept.Count == 0)
                    await recovery.KeepInterruptedRecordsAsync(runId, batch.Number, Incomplete(records, first, count), CancellationToken.None);
            }
            if (batches.Count < PageSize)
                break;
        }

        // Pages never read become batches of incomplete records after the last one, as the engine keeps them at a stop.
        var size = link.Settings.BatchSize;
        for (var first = 0; first < records.Count;)
        {
            if (covered[first])
            {
                first++;
                continue;
            }
            var count = 1;
            while (count < size && first + count < records.Count && !covered[first + count])
                count++;
            var number = ++lastNumber;
            var cursor = first.ToString(CultureInfo.InvariantCulture);
            var now = clock.GetUtcNow();
            await runs.BatchStartedAsync(runId, number, cursor, count, now, CancellationToken.None);
            await runs.BatchFinishedAsync(new BatchResult(runId, number, cursor, BatchStatus.Interrupted, count, 0, 0, 0, 0, null, Incomplete(records, first, count), now),
                CancellationToken.None);
            waiting += count;
            first += count;
        }
        return waiting;
    }

    private static List<RecordOutcome> Incomplete(IReadOnlyList<Record> records, int first, int count)
    {
        var outcomes = new List<RecordOutcome>(count);
        for (var position = 0; position < count; position++)
        {
            var record = records[first + position];
            outcomes.Add(new RecordOutcome(position, record.Key, OutcomeKind.Incomplete, null, null, null, [], new Snapshot(record.Fields, null)));
        }
        return outcomes;
    }
}
