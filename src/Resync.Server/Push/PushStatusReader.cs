using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Server.Push;

/// <summary>
/// Reads where an asynchronous push and each of its records stand, from its run: a record the run kept (failed, ignored,
/// incomplete) has that outcome, unless an automated replay wrote it since; any other record succeeded once its batch ended
/// well, failed with its batch when the batch failed, and is pending while its batch has not ended.
/// </summary>
internal static class PushStatusReader
{
    public static async Task<PushStatus> ReadAsync(StoredPush push, Link? link, IRunQueries queries, IRecoveryStore recovery, int offset, int limit,
        CancellationToken cancellationToken)
    {
        var self = PushStatus.Url(push.Id);
        var run = push.RunId is { } runId ? await queries.GetRunAsync(runId, cancellationToken) : null;
        // The records are located with the link's batch size: a push of a link since deleted (or stored before counts were kept) shows its run only.
        var records = push.RecordCount is { } count && link is not null
            ? await RecordsAsync(push, count, run, link, queries, recovery, cancellationToken)
            : null;
        var counts = records is null ? null : new PushRecordCounts(records.Length, Count(PushRecordState.Pending), Count(PushRecordState.Succeeded),
            Count(PushRecordState.Failed), Count(PushRecordState.Ignored), Count(PushRecordState.Incomplete));
        var status = run is null ? "Accepted"
            : counts is { Pending: > 0 } || (counts is null && run.Status == RunStatus.Running) ? "Running"
            : run.Status is not (RunStatus.Succeeded or RunStatus.CompletedWithErrors or RunStatus.Running) ? run.Status.ToString()
            : counts is null ? run.Status.ToString()
            : counts.Failed + counts.Incomplete > 0 ? nameof(RunStatus.CompletedWithErrors)
            : nameof(RunStatus.Succeeded);
        var page = records is null ? null : Api.Page<PushRecordStatus>.Of([.. records.Skip(offset).Take(limit)], offset, limit);
        return new PushStatus(push.Id, push.LinkId, run?.Id, status, push.FirstRecord, counts, page, push.AcceptedAt, push.FinishedAt, self,
            run is null ? null : Runs.RunLinks.For(run.Id).Self);

        int Count(PushRecordState state) => records!.Count(record => record.State == state);
    }

    private static async Task<PushRecordStatus[]> RecordsAsync(StoredPush push, int count, RunView? run, Link link, IRunQueries queries, IRecoveryStore recovery,
        CancellationToken cancellationToken)
    {
        var self = PushStatus.Url(push.Id);
        var results = new PushRecordStatus[count];
        if (run is null)
        {
            for (var i = 0; i < count; i++)
                results[i] = new PushRecordStatus(i, null, PushRecordState.Pending, null, null, $"{self}/records/{i}");
            return results;
        }
        var first = push.FirstRecord ?? 0;
        var batchSize = link.Settings.BatchSize;
        var ended = run.Status != RunStatus.Running;
        var replayed = ended && run.Counts.Failed > 0
            ? await ReplayOutcomes.WrittenByReplaysAsync(queries, recovery, run.Id, batchSize, link.Settings.ReplayIncludesDurable, cancellationToken)
            : [];
        // The batches before the records they kept: a batch's end and its kept records are one commit, but these are two reads. Read
        // the other way round, a batch that ended between them would show as ended without its failures, each record Succeeded.
        var fromBatch = first / batchSize;
        var batches = (await queries.ListBatchesAsync(run.Id, fromBatch, (first + count - 1) / batchSize - fromBatch + 1, cancellationToken))
            .ToDictionary(batch => batch.Number);
        var template = (link.Source as Connectors.Push.PushSource)?.ErrorMessage;
        foreach (var outcome in new[] { OutcomeKind.Failed, OutcomeKind.Ignored, OutcomeKind.Incomplete })
        {
            foreach (var (index, record) in await PushOutcomes.KeptAsync(queries, run.Id, outcome, first, count, batchSize, cancellationToken))
            {
                var url = $"{self}/records/{index}";
                results[index] = replayed.TryGetValue((record.BatchNumber, record.Position), out var replayId)
                    ? new PushRecordStatus(index, record.Key, PushRecordState.Succeeded, $"written by automated replay run {replayId}", null, url)
                    : outcome switch
                    {
                        OutcomeKind.Ignored => new PushRecordStatus(index, record.Key, PushRecordState.Ignored, record.IgnoreReason, null, url),
                        OutcomeKind.Incomplete => new PushRecordStatus(index, record.Key, PushRecordState.Incomplete, PushOutcomes.IncompleteMessage(run.SystemError, link.Id),
                            null, url),
                        _ => new PushRecordStatus(index, record.Key, PushRecordState.Failed, PushOutcomes.Message(template, index, record), record.Error, url),
                    };
            }
        }
        for (var i = 0; i < count; i++)
        {
            if (results[i] is not null)
                continue;
            var url = $"{self}/records/{i}";
            var batch = batches.GetValueOrDefault((first + i) / batchSize + 1);
            results[i] = batch?.Status switch
            {
                BatchStatus.Succeeded or BatchStatus.CompletedWithErrors => new PushRecordStatus(i, null, PushRecordState.Succeeded, null, null, url),
                BatchStatus.Failed => new PushRecordStatus(i, null, PushRecordState.Failed, batch.Error?.Message, batch.Error, url),
                _ when !ended => new PushRecordStatus(i, null, PushRecordState.Pending, null, null, url),
                _ => new PushRecordStatus(i, null, PushRecordState.Failed, run.SystemError?.Message ?? "not processed: the run stopped first", run.SystemError, url),
            };
        }
        return results;
    }
}
