using Resync.Core.Errors;
using Resync.Core.Links;
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
/// </summary>
internal sealed class BatchProcessor(Link link, ErrorClassifier classifier, TimeProvider clock)
{
    private static readonly Dictionary<string, object?> NoFields = [];

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
                failed++;
                kept.Add(new RecordOutcome(position, original.Key, OutcomeKind.Failed,
                    error.ToError(ErrorScope.Record, clock.GetUtcNow(), stepName), null, null, context.Warnings, snapshot));
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
                try
                {
                    written = await link.Target.WriteAsync(new TargetBatch(link.Id, runId, work.Number, passing), cancellationToken);
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested || exception is not OperationCanceledException)
                {
                    var classification = classifier.Classify(exception);
                    var scope = StopsTheRun(classification) ? ErrorScope.System : ErrorScope.Batch;
                    batchError = classification.ToError(scope, clock.GetUtcNow(), "target");
                    if (scope == ErrorScope.System)
                        systemError = batchError;
                    written = new TargetWriteResult([.. passing.Select((_, index) => new TargetRecordIssue(index, classification))]);
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
                if (issue.Error is { } error)
                {
                    failed++;
                    // (Sequential: the error that stopped the run is the record's own, the one it stopped at.)
                    var recordError = batchError ?? (sequential && systemError is not null ? systemError : error.ToError(ErrorScope.Record, clock.GetUtcNow(), "target"));
                    kept.Add(new RecordOutcome(position, original.Key, OutcomeKind.Failed, recordError, null, null, recordWarnings, keptSnapshot));
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
            : failed > 0 ? BatchStatus.CompletedWithErrors
            : BatchStatus.Succeeded;
        var batch = new BatchResult(runId, work.Number, work.Cursor, status, records.Count, succeeded, failed, ignored, warnings,
            batchError, kept, clock.GetUtcNow());
        return (batch, systemError);
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
                var written = await link.Target.WriteAsync(new TargetBatch(link.Id, runId, batchNumber, [passing[i]]), cancellationToken);
                if (written.Issues.FirstOrDefault() is not { } issue)
                    continue;
                issues.Add(new TargetRecordIssue(i, issue.Error, issue.IgnoreReason));
                if (issue.Error is not null)
                    return (new TargetWriteResult(issues), i + 1, null);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested || exception is not OperationCanceledException)
            {
                var classification = classifier.Classify(exception);
                issues.Add(new TargetRecordIssue(i, classification));
                var stops = StopsTheRun(classification) ? classification.ToError(ErrorScope.System, clock.GetUtcNow(), "target") : null;
                return (new TargetWriteResult(issues), i + 1, stops);
            }
        }
        return (issues.Count == 0 ? TargetWriteResult.AllWritten : new TargetWriteResult(issues), passing.Count, null);
    }

    /// <summary>A record not processed because a record before it failed (sequential processing): kept with its values.</summary>
    private static RecordOutcome Unprocessed(int position, Record record, LoggingLevel level) =>
        new(position, record.Key, OutcomeKind.Incomplete, null, null, null, [], level == LoggingLevel.None ? null : new Snapshot(record.Fields, null));

    /// <summary>A target that is unreachable, refuses the credentials, fails mid-commit or is misconfigured (no such table, database or key constraint) cannot take more batches.</summary>
    internal static bool StopsTheRun(ErrorClassification classification) =>
        classification.StopsTheRun || classification.Type is ErrorType.Connection or ErrorType.RateLimit or ErrorType.InvalidAccessToken or ErrorType.Inconsistency;

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
