using Resync.Connectors.Push;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Server.Api;
using Resync.Server.Links;
using Resync.Server.Runs;

namespace Resync.Server.Composite;

/// <summary>
/// Writes a tree's records to a push link's target as one run of kind Push of that link: one batch holding them all,
/// all or none (a transactional target, wrapped in <see cref="AllOrNoneTarget"/>).
/// </summary>
internal sealed class CompositeRecordWriter(RunLauncher launcher, IRunQueries queries)
{
    public async Task<(long RunId, IReadOnlyList<CompositeRecordOutcome> Outcomes)> WriteAllOrNoneAsync(LinkEntry entry, PushSource source, IReadOnlyList<Record> records,
        string? requestId)
    {
        var batchSize = Math.Max(records.Count, 1);
        await using var target = new AllOrNoneTarget(entry.Link.Target, records.Count);
        var link = entry.Link.With(source.WithRecords(records), target, entry.Link.Settings with { BatchSize = batchSize, Parallelism = 1 });
        // The call's answer waits for its run; a client going away does not stop it (it is in the run list either way).
        var run = await launcher.StartAsync(link, new RunRequest(RunKind.Push, "composite", null, requestId), CancellationToken.None);
        var result = await run.Completion;
        var outcomes = new CompositeRecordOutcome?[records.Count];
        foreach (var kind in new[] { OutcomeKind.Failed, OutcomeKind.Ignored })
        {
            var kept = await queries.ListRecordsAsync(run.RunId, new RecordFilter(kind, 0, Paging.MaxLimit), CancellationToken.None);
            foreach (var record in kept.Where(record => record.BatchNumber == 1 && record.Position >= 0 && record.Position < outcomes.Length))
                outcomes[record.Position] = CompositeRecordOutcome.Of(kind, record.Error, record.IgnoredBy, record.IgnoreReason);
        }
        var batchError = result.SystemError;
        if (batchError is null && result.Counts.BatchesFailed > 0)
            batchError = (await queries.ListBatchesAsync(run.RunId, 0, Paging.MaxLimit, CancellationToken.None)).Select(batch => batch.Error).FirstOrDefault(error => error is not null);
        var failedWhole = result.SystemError is not null || result.Counts.BatchesFailed > 0;
        for (var i = 0; i < outcomes.Length; i++)
            outcomes[i] ??= failedWhole
                ? new CompositeRecordOutcome(false, CompositeRecordOutcome.ErrorOf(batchError) ?? new CompositeError(CompositeCodes.NotProcessed, "not processed: the run stopped first", []), false, batchError)
                : CompositeRecordOutcome.Written;
        return (run.RunId, outcomes!);
    }
}
