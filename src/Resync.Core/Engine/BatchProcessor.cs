using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Policies;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Sdk;
using Resync.Core.Storage;

namespace Resync.Core.Engine;

/// <summary>
/// Runs one batch: every record through the link's steps, then the passing ones to the target in one
/// write. Record failures are values; only the target's whole-batch failure is caught as an exception.
/// Per record it allocates nothing beyond the working copy the steps need. Under sequential processing the
/// first failed record ends the batch: the records after it are not written but kept, with their values, as
/// Incomplete; the target is then given one record at a time, as nothing after a refused record may be written.
/// What a failure does to its records (and to the run) is the link's error policy for its type (<see cref="ErrorPolicies"/>).
/// <paramref name="rootRunId"/> is the first run of the run's recovery chain (null: the run itself), passed to the target.
/// </summary>
internal sealed class BatchProcessor(Link link, ErrorClassifier classifier, TimeProvider clock, long? rootRunId = null)
{
    private static readonly Dictionary<string, object?> NoFields = [];

    /// <summary>The link's error policies, compiled once for the run.</summary>
    public ErrorPolicies Policies { get; } = ErrorPolicies.Compile(link.Settings);

    /// <summary>
    /// Processes the batch; a non-null system error means the run must stop. The steps (pure, no I/O) run at once;
    /// the target is written only once <paramref name="beforeWrite"/> has completed (the store has durably noted that
    /// the batch started), and the result is returned only after it, so its failure fails the batch's processing.
    /// </summary>
    public async Task<(BatchResult Result, ResyncError? SystemError)> ProcessAsync(long runId, BatchWork work, Task beforeWrite, CancellationToken cancellationToken)
    {
        var records = work.Records;
        var steps = link.Steps;
        var level = link.Settings.LoggingLevel;
        var passing = new List<Record>(records.Count);
        var passingPositions = new List<int>(records.Count);
        List<IReadOnlyList<RecordWarning>?>? passingWarnings = null;
        var kept = new List<RecordOutcome>();
        int failed = 0, ignored = 0, warnings = 0;
        var context = new StepContext(records.Count > 0 ? records[0] : new Record(null, NoFields), runId);
        var sequential = link.Settings.SequentialProcessing;
        ResyncError? stepStop = null; // a step's failure whose policy stops the run

        for (var position = 0; position < records.Count; position++)
        {
            if (sequential && failed > 0)
            {
                kept.Add(Unprocessed(position, records[position], level));
                continue;
            }
            var original = records[position];
            if (original.ReadError is { } readError)
            {
                // The source could not read this item (e.g. a malformed line): it fails alone, before any step,
                // and keeps what the source had of it (the raw line) as its "before" snapshot.
                failed++;
                kept.Add(new RecordOutcome(position, original.Key, OutcomeKind.Failed,
                    readError.ToError(ErrorScope.Record, clock.GetUtcNow(), "source"), null, null, [],
                    level == LoggingLevel.None ? null : new Snapshot(original.Fields, null)));
                continue;
            }
            if (original.IgnoreReason is { } skipped)
            {
                // Decided before the steps (e.g. a retried record that changed at the source since it failed).
                ignored++;
                kept.Add(new RecordOutcome(position, original.Key, OutcomeKind.Ignored, null, "source", skipped, [],
                    level == LoggingLevel.None ? null : new Snapshot(original.Fields, null)));
                continue;
            }
            context.Reset(steps.Count == 0 ? original : original.Clone());
            var (result, stepName) = ApplySteps(steps, context);
            warnings += context.Warnings.Count;

            if (result.IsContinue)
            {
                passing.Add(context.Record);
                passingPositions.Add(position);
                if (context.Warnings.Count > 0 || passingWarnings is not null)
                {
                    passingWarnings ??= [.. Enumerable.Repeat<IReadOnlyList<RecordWarning>?>(null, passing.Count - 1)];
                    passingWarnings.Add(context.Warnings.Count > 0 ? context.Warnings : null);
                }
                continue;
            }

            var snapshot = level == LoggingLevel.None ? null : new Snapshot(original.Fields, context.Record.Fields);
            if (result.Error is { } error)
            {
                // (Settled before the assignment: a second stopping record must be kept too.)
                var stops = Settle(Policies.ForStep(error), error, error.ToError(ErrorScope.Record, clock.GetUtcNow(), stepName),
                    new RecordOutcome(position, original.Key, OutcomeKind.Failed, null, stepName, null, context.Warnings, snapshot), kept, ref failed, ref ignored);
                stepStop ??= stops;
            }
            else
            {
                ignored++;
                kept.Add(new RecordOutcome(position, original.Key, OutcomeKind.Ignored, null, stepName, result.IgnoreReason,
                    context.Warnings, level == LoggingLevel.All ? snapshot : null));
            }
        }

        var succeeded = 0;
        ResyncError? batchError = null;
        ResyncError? systemError = null;
        ErrorAction? wholeBatch = null;
        await beforeWrite;
        // Sequential: the records of passing from this index on were not written (a record before them failed).
        var writtenCount = passing.Count;
        if (passing.Count > 0)
        {
            TargetWriteResult written;
            if (sequential)
            {
                (written, writtenCount, systemError) = await WriteInOrderAsync(runId, work.Number, passing, cancellationToken);
            }
            else
            {
                ErrorClassification? failure;
                (written, failure) = await WriteWithRetriesAsync(runId, work, passing, cancellationToken);
                if (failure is not null)
                {
                    wholeBatch = Policies.ForTargetBatch(failure);
                    if (wholeBatch is ErrorAction.Fail or ErrorAction.Stop or ErrorAction.Deactivate)
                    {
                        var stops = wholeBatch != ErrorAction.Fail;
                        batchError = failure.ToError(stops ? ErrorScope.System : ErrorScope.Batch, clock.GetUtcNow(), "target");
                        if (stops)
                            systemError = batchError;
                    }
                }
            }

            var issues = written.Issues;
            var issueIndex = 0;
            var sorted = IsSortedByIndex(issues) ? issues : [.. issues.OrderBy(issue => issue.Index)];
            for (var i = 0; i < passing.Count; i++)
            {
                var position = passingPositions[i];
                var recordWarnings = (IReadOnlyList<RecordWarning>?)passingWarnings?[i] ?? [];
                // Skip issues that no longer apply (a second issue for a record already handled, an index below 0):
                // left in place they would hide the issues of every later record.
                while (issueIndex < sorted.Count && sorted[issueIndex].Index < i)
                    issueIndex++;
                var issue = issueIndex < sorted.Count && sorted[issueIndex].Index == i ? sorted[issueIndex++] : null;
                var original = records[position];
                if (i >= writtenCount)
                {
                    kept.Add(Unprocessed(position, original, level));
                    continue;
                }
                if (issue is null)
                {
                    succeeded++;
                    if (level == LoggingLevel.All || recordWarnings.Count > 0)
                    {
                        var snapshot = level == LoggingLevel.All ? new Snapshot(original.Fields, passing[i].Fields) : null;
                        kept.Add(new RecordOutcome(position, original.Key, OutcomeKind.Succeeded, null, null, null, recordWarnings, snapshot));
                    }
                    continue;
                }

                var keptSnapshot = level == LoggingLevel.None ? null : new Snapshot(original.Fields, passing[i].Fields);
                if (issue.Error is { } notWritten && notWritten == written.StoppedBy)
                {
                    // The target stopped before writing this record (its siblings before it were written and count): as for a
                    // failed batch write, the run stops, and the record waits with its values in the remainder.
                    var stopAction = Policies.ForTargetBatch(notWritten);
                    var stopping = stopAction is ErrorAction.Stop or ErrorAction.Deactivate;
                    var stopError = notWritten.ToError(stopping ? ErrorScope.System : ErrorScope.Batch, clock.GetUtcNow(), "target");
                    Settle(stopping ? ErrorAction.Park : stopAction, notWritten, stopError,
                        new RecordOutcome(position, original.Key, OutcomeKind.Failed, null, "target", null, recordWarnings, keptSnapshot), kept, ref failed, ref ignored);
                    if (stopping)
                        systemError ??= stopError;
                    continue;
                }
                if (issue.Error is { } error)
                {
                    // (Sequential: the error that stopped the run is the record's own, the one it stopped at.)
                    var recordError = batchError ?? (sequential && systemError is not null ? systemError
                        : error.ToError(wholeBatch is null ? ErrorScope.Record : ErrorScope.Batch, clock.GetUtcNow(), "target"));
                    // A batch error has decided for the whole batch already: its records fail with it.
                    var action = batchError is not null ? ErrorAction.Fail : wholeBatch ?? Policies.ForTargetRecord(error);
                    var stops = Settle(action, error, recordError,
                        new RecordOutcome(position, original.Key, OutcomeKind.Failed, null, "target", null, recordWarnings, keptSnapshot), kept, ref failed, ref ignored);
                    systemError ??= stops;
                }
                else
                {
                    ignored++;
                    kept.Add(new RecordOutcome(position, original.Key, OutcomeKind.Ignored, null, "target",
                        issue.IgnoreReason ?? "refused by the target", recordWarnings, level == LoggingLevel.All ? keptSnapshot : null));
                }
            }
        }

        if (kept.Count > 1)
            kept.Sort(static (a, b) => a.Position.CompareTo(b.Position));
        var status = batchError is not null ? BatchStatus.Failed
            : failed > 0 || kept.Any(outcome => outcome.Kind == OutcomeKind.Incomplete) ? BatchStatus.CompletedWithErrors
            : BatchStatus.Succeeded;
        var batch = new BatchResult(runId, work.Number, work.Cursor, status, records.Count, succeeded, failed, ignored, warnings,
            batchError, kept, clock.GetUtcNow()) { Watermark = work.Watermark };
        return (batch, stepStop ?? systemError);
    }

    /// <summary>
    /// Sequential processing: writes the records one at a time, in order, up to the first the target refuses (or fails
    /// on); returns the issues, how many records were given to the target, and the system error if the target stopped the run.
    /// </summary>
    private async Task<(TargetWriteResult Written, int Given, ResyncError? SystemError)> WriteInOrderAsync(long runId, int batchNumber, List<Record> passing,
        CancellationToken cancellationToken)
    {
        var issues = new List<TargetRecordIssue>();
        for (var i = 0; i < passing.Count; i++)
        {
            try
            {
                var written = await WriteTimedAsync(Batch(runId, batchNumber, [passing[i]]), cancellationToken);
                if (written.StoppedBy is { } stopped)
                    return Stopped(stopped);
                if (written.Issues.FirstOrDefault() is not { } issue)
                    continue;
                issues.Add(new TargetRecordIssue(i, issue.Error, issue.IgnoreReason));
                if (issue.Error is not null)
                    return (new TargetWriteResult(issues), i + 1, null);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested || exception is not OperationCanceledException)
            {
                return Stopped(classifier.Classify(exception));
            }

            (TargetWriteResult, int, ResyncError?) Stopped(ErrorClassification classification)
            {
                issues.Add(new TargetRecordIssue(i, classification));
                var stops = Policies.ForTargetBatch(classification) is ErrorAction.Stop or ErrorAction.Deactivate
                    ? classification.ToError(ErrorScope.System, clock.GetUtcNow(), "target") : null;
                return (new TargetWriteResult(issues), i + 1, stops);
            }
        }
        return (issues.Count == 0 ? TargetWriteResult.AllWritten : new TargetWriteResult(issues), passing.Count, null);
    }

    /// <summary>A record not processed because a record before it failed (sequential processing): kept with its values.</summary>
    private static RecordOutcome Unprocessed(int position, Record record, LoggingLevel level) =>
        new(position, record.Key, OutcomeKind.Incomplete, null, null, null, [], level == LoggingLevel.None ? null : new Snapshot(record.Fields, null));

    /// <summary>
    /// Keeps a failed record as its error policy says (<paramref name="failedRecord"/> carries its key, warnings and snapshot):
    /// failed, parked as incomplete with its values, or ignored with the policy's reason. Returns the error as a system error
    /// when the policy stops the run (the record itself counts as failed).
    /// </summary>
    private ResyncError? Settle(ErrorAction action, ErrorClassification cause, ResyncError error, RecordOutcome failedRecord, List<RecordOutcome> kept,
        ref int failed, ref int ignored)
    {
        switch (action)
        {
            case ErrorAction.Park:
                kept.Add(failedRecord with { Kind = OutcomeKind.Incomplete, Error = error, IgnoredBy = null });
                return null;
            case ErrorAction.Ignore:
                ignored++;
                kept.Add(failedRecord with
                {
                    Kind = OutcomeKind.Ignored,
                    IgnoreReason = Policies.IgnoreReason(cause),
                    Snapshot = link.Settings.LoggingLevel == LoggingLevel.All ? failedRecord.Snapshot : null,
                });
                return null;
            default:
                failed++;
                kept.Add(failedRecord with { Error = error, IgnoredBy = null });
                return action is ErrorAction.Stop or ErrorAction.Deactivate ? error with { Scope = ErrorScope.System } : null;
        }
    }

    /// <summary>
    /// Writes the records, and writes again those the target refused (or the whole batch, when the write threw) while their
    /// type's policy has attempts left, waiting its delays on the injected clock. Returns the issues left, or the whole
    /// write's failure; a failure carries how many writes were made when the engine made more than one.
    /// </summary>
    private async Task<(TargetWriteResult Written, ErrorClassification? Failure)> WriteWithRetriesAsync(long runId, BatchWork work, List<Record> records,
        CancellationToken cancellationToken)
    {
        var batchNumber = work.Number;
        TargetWriteResult written;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // The whole batch carries its identity (a target may keep it in a ledger); the records written again below do not.
                written = await WriteTimedAsync(Batch(runId, batchNumber, records) with { Cursor = work.Cursor, MayBeWritten = work.MayBeWritten }, cancellationToken);
                break;
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested || exception is not OperationCanceledException)
            {
                var classification = classifier.Classify(exception);
                if (classification.StopsTheRun || Policies.For(classification.Type).DelayAfter(attempt) is not { } delay)
                    return (new TargetWriteResult([.. records.Select((_, index) => new TargetRecordIssue(index, classification))]),
                        attempt > 1 ? classification with { Attempts = attempt } : classification);
                await Task.Delay(delay, clock, cancellationToken);
            }
        }
        if (written.StoppedBy is not null || written.Issues.Count == 0 || !written.Issues.Any(issue => issue.Error is { } error && Policies.For(error.Type).Attempts > 1))
            return (written, null);

        // Refused records: written again, alone, while their type allows (each record counts its own attempts).
        var issues = new Dictionary<int, TargetRecordIssue>();
        foreach (var issue in written.Issues)
        {
            if (issue.Index >= 0 && issue.Index < records.Count)
                issues.TryAdd(issue.Index, issue);
        }
        var attempts = issues.Keys.ToDictionary(index => index, _ => 1);
        while (true)
        {
            var again = issues.Values.Where(issue => issue.Error is { StopsTheRun: false } error && Policies.For(error.Type).DelayAfter(attempts[issue.Index]) is not null)
                .Select(issue => issue.Index).Order().ToList();
            if (again.Count == 0)
                break;
            var wait = again.Max(index => Policies.For(issues[index].Error!.Type).DelayAfter(attempts[index])!.Value);
            await Task.Delay(wait, clock, cancellationToken);
            foreach (var index in again)
            {
                attempts[index]++;
                issues.Remove(index);
            }
            try
            {
                var retried = await WriteTimedAsync(Batch(runId, batchNumber, [.. again.Select(index => records[index])]), cancellationToken);
                foreach (var issue in retried.Issues.Where(issue => issue.Index >= 0 && issue.Index < again.Count))
                    issues.TryAdd(again[issue.Index], issue with { Index = again[issue.Index] });
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested || exception is not OperationCanceledException)
            {
                var classification = classifier.Classify(exception);
                foreach (var index in again)
                    issues[index] = new TargetRecordIssue(index, classification);
            }
        }
        return (new TargetWriteResult([.. issues.Values.OrderBy(issue => issue.Index)
            .Select(issue => issue.Error is { } error && attempts[issue.Index] > 1 ? issue with { Error = error with { Attempts = attempts[issue.Index] } } : issue)]), null);
    }

    /// <summary>One write to the target, timed for the metrics; the callers handle what it answers or throws.</summary>
    private async Task<TargetWriteResult> WriteTimedAsync(TargetBatch batch, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        try
        {
            var written = await link.Target.WriteAsync(batch, cancellationToken);
            RunEvents.ConnectorCalled(link, "target", clock.GetElapsedTime(started), null);
            return written;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Classified for its label only (classification is a pure function of the exception); the caller classifies it for the run.
            RunEvents.ConnectorCalled(link, "target", clock.GetElapsedTime(started), classifier.Classify(exception).Type);
            throw;
        }
    }

    private TargetBatch Batch(long runId, int batchNumber, IReadOnlyList<Record> records) =>
        new(link.Id, runId, batchNumber, records) { RootRunId = rootRunId ?? runId };

    private (StepResult Result, string? Step) ApplySteps(IReadOnlyList<IStep> steps, StepContext context)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            StepResult result;
            try
            {
                result = step.Apply(context);
            }
            catch (Exception exception)
            {
                // A step that throws is a bug in the step, but it must still only fail this record.
                result = StepResult.Fail(classifier.Classify(exception));
            }
            if (!result.IsContinue)
                return (result, step.Name);
        }
        return (StepResult.Continue, null);
    }

    private static bool IsSortedByIndex(IReadOnlyList<TargetRecordIssue> issues)
    {
        for (var i = 1; i < issues.Count; i++)
        {
            if (issues[i - 1].Index >= issues[i].Index)
                return false;
        }
        return true;
    }
}
