using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Core.Engine;

/// <summary>
/// Processes one batch of a run for a worker in another process (cluster mode) exactly as the engine does in process:
/// steps, then the target once the batch's start is durable, the failed records to the error target, and the result
/// stored. A batch delivered again (its worker died before acknowledging it) is noted and counted once by the store.
/// </summary>
public static class RemoteBatch
{
    /// <summary>
    /// Processes and stores the batch; returns what the run's engine needs to know. Throws only when the store cannot
    /// record it (the broker then delivers the batch again).
    /// </summary>
    /// <param name="redelivered">True when the broker gave this batch before (a worker died holding it): a batch the store already
    /// holds as finished is then reported as stored, without writing its target a second time.</param>
    public static async Task<RemoteBatchReport> ProcessAsync(Link link, RemoteRun run, BatchWork work, IStateStore store, TimeProvider clock, bool redelivered,
        CancellationToken cancellationToken)
    {
        if (redelivered && await StoredAsync(store, run.RunId, work.Number, cancellationToken) is { } stored)
            return stored;
        var classifier = link.Classifier.WithOverrides(link.Settings.ErrorTypeOverrides);
        // Noted again here (the engine notes it once the broker confirmed it): the target is never written before the start is durable.
        var started = store.BatchStartedAsync(run.RunId, work.Number, work.Cursor, work.Records.Count, clock.GetUtcNow(), cancellationToken);
        // Delivered again, its target may have written it before the worker died: a target keeping a ledger looks it up.
        var (result, systemError) = await new BatchProcessor(link, classifier, clock, run.RootRunId)
            .ProcessAsync(run.RunId, redelivered ? work with { MayBeWritten = true } : work, started, cancellationToken);
        await new DeadLetters(link, classifier, run.RunId, run.RootRunId, clock).WriteAsync(result);
        await store.BatchFinishedAsync(result, cancellationToken);
        var parked = result.Outcomes.FirstOrDefault(outcome => outcome is { Kind: OutcomeKind.Incomplete, Error: not null })?.Error;
        return new RemoteBatchReport(result with { Outcomes = [] }, systemError, parked);
    }

    /// <summary>
    /// The report of a batch the store already holds as finished (its counts as stored; warnings are not kept per batch), or
    /// null while it is not finished there: what an engine that lost a worker's report (a broker restart) counts instead.
    /// </summary>
    public static async Task<RemoteBatchReport?> StoredAsync(IRunQueries store, long runId, int number, CancellationToken cancellationToken) =>
        await store.GetBatchAsync(runId, number, cancellationToken) is { Status: not BatchStatus.Processing } stored ? AsStored(stored) : null;

    private static RemoteBatchReport AsStored(BatchView batch) =>
        new(new BatchResult(batch.RunId, batch.Number, batch.Cursor, batch.Status, batch.Read, batch.Succeeded, batch.Failed, batch.Ignored, 0, batch.Error, [],
            batch.EndedAt ?? batch.StartedAt), null, null);

    /// <summary>
    /// Stores a batch that no worker could finish within the broker's delivery limit as a failed batch: each record failed
    /// with its values, so that the batch is retried like a batch its target refused as a whole.
    /// </summary>
    public static async Task<RemoteBatchReport> UndeliverableAsync(RemoteRun run, BatchWork work, int deliveries, IRunStore store, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var error = new ResyncError(ErrorScope.Batch, ErrorType.Runtime, Durability.Ephemeral, ErrorCodes.BatchUndeliverable,
            $"Batch {work.Number} was delivered to workers {deliveries} times and none finished it (each worker died, or could not load link '{run.LinkId}').",
            null, [], "Check the workers' logs for the batch, fix the cause, then retry the run's failures.", now, deliveries);
        var outcomes = work.Records.Select((record, position) => RecordOutcome.Failed(position, record.Key, error, [], new Snapshot(record.Fields, null))).ToList();
        var result = BatchResult.AllFailed(run.RunId, work.Number, work.Cursor, error, outcomes, now);
        await store.BatchStartedAsync(run.RunId, work.Number, work.Cursor, work.Records.Count, now, cancellationToken);
        await store.BatchFinishedAsync(result, cancellationToken);
        return new RemoteBatchReport(result with { Outcomes = [] }, null, null);
    }
}
