using Resync.Connectors.Push;
using Resync.Core.Engine;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Server.Api;
using Resync.Server.Links;
using Resync.Server.Runs;

namespace Resync.Server.Composite;

/// <summary>What happened to one record of a composite run.</summary>
internal sealed record CompositeRecordOutcome(bool Succeeded, CompositeError? Error, bool RolledBack);

/// <summary>
/// Writes a composite call's records to a push link's target as one run of kind Push: one batch holding them all,
/// all-or-none (transactional target, <see cref="AllOrNoneTarget"/>), or one record (independent operations).
/// </summary>
internal sealed class CompositeRecordWriter(RunLauncher launcher, IRunQueries queries)
{
    public async Task<(long RunId, IReadOnlyList<CompositeRecordOutcome> Outcomes)> WriteAsync(LinkEntry entry, PushSource source, IReadOnlyList<Record> records,
        bool allOrNone, string? requestId)
    {
        var batchSize = Math.Max(records.Count, 1);
        var link = new Link(entry.Id, source.WithRecords(records), entry.Link.Steps,
            allOrNone ? new AllOrNoneTarget(entry.Link.Target, records.Count) : new SharedTarget(entry.Link.Target),
            entry.Link.Settings with { BatchSize = batchSize, Parallelism = 1 }, entry.Tenant)
        {
            Classifier = entry.Link.Classifier,
            Trigger = entry.Link.Trigger,
        };
        // The call's answer waits for its run; a client going away does not stop it (it is in the run list either way).
        var run = await launcher.StartAsync(link, new RunRequest(RunKind.Push, "composite", null, requestId), CancellationToken.None);
        var result = await run.Completion;
        var outcomes = new CompositeRecordOutcome?[records.Count];
        foreach (var kind in new[] { OutcomeKind.Failed, OutcomeKind.Ignored })
        {
            var kept = await queries.ListRecordsAsync(run.RunId, new RecordFilter(kind, 0, Paging.MaxLimit), CancellationToken.None);
            foreach (var record in kept)
            {
                var index = (record.BatchNumber - 1) * batchSize + record.Position;
                if (index < 0 || index >= outcomes.Length)
                    continue;
                outcomes[index] = kind == OutcomeKind.Ignored
                    ? new CompositeRecordOutcome(false, new CompositeError("IGNORED", $"not written: ignored by {record.IgnoredBy ?? "the target"} ({record.IgnoreReason})", []), false)
                    : new CompositeRecordOutcome(false, ErrorOf(record.Error), record.Error?.Code == ErrorCodes.RolledBack);
            }
        }
        ResyncError? batchError = result.SystemError;
        if (batchError is null && result.Counts.BatchesFailed > 0)
            batchError = (await queries.ListBatchesAsync(run.RunId, 0, Paging.MaxLimit, CancellationToken.None)).Select(batch => batch.Error).FirstOrDefault(error => error is not null);
        var failedWhole = result.SystemError is not null || result.Counts.BatchesFailed > 0;
        for (var i = 0; i < outcomes.Length; i++)
            outcomes[i] ??= failedWhole
                ? new CompositeRecordOutcome(false, ErrorOf(batchError) ?? new CompositeError("NOT_PROCESSED", "not processed: the run stopped first", []), false)
                : new CompositeRecordOutcome(true, null, false);
        return (run.RunId, outcomes!);
    }

    public static CompositeError? ErrorOf(ResyncError? error) => error is null
        ? null
        : new CompositeError(error.Code == "22001" ? CompositeCodes.StringTooLong : error.Code, error.Message, error.Fields);

    /// <summary>The link's own target, used by this run without disposing it.</summary>
    private sealed class SharedTarget(Core.Sdk.ITarget inner) : Core.Sdk.ITarget
    {
        public Task<Core.Sdk.TargetWriteResult> WriteAsync(Core.Sdk.TargetBatch batch, CancellationToken cancellationToken) => inner.WriteAsync(batch, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
