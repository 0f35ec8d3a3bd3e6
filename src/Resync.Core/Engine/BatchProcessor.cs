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
/// Per record it allocates nothing beyond the working copy the steps need, and not even that when every step names the
/// fields it changes (<see cref="IFieldWritingStep"/>) and the records are the batch's own (<see cref="BatchWork.RecordsAreFresh"/>). Under sequential processing the
/// first failed record ends the batch: the records after it are not written but kept, with their values, as
/// Incomplete; the target is then given one record at a time, as nothing after a refused record may be written.
/// What a failure does to its records (and to the run) is the link's error policy for its type (<see cref="ErrorPolicies"/>).
/// <paramref name="rootRunId"/> is the first run of the run's recovery chain (null: the run itself), passed to the target.
/// </summary>
internal sealed partial class BatchProcessor(Link link, ErrorClassifier classifier, TimeProvider clock, long? rootRunId = null)
{
    // The fields the link's steps may change, when every step names them (IFieldWritingStep); null: each record is copied.
    private readonly string[]? _writtenFields = WrittenFields(link.Steps);

    /// <summary>The link's error policies, compiled once for the run.</summary>
    public ErrorPolicies Policies { get; } = ErrorPolicies.Compile(link.Settings);

    /// <summary>
    /// Processes the batch; a non-null system error means the run must stop. The steps (pure, no I/O) run at once;
    /// the target is written only once <paramref name="beforeWrite"/> has completed (the store has durably noted that
    /// the batch started), and the result is returned only after it, so its failure fails the batch's processing.
    /// </summary>
    public async Task<(BatchResult Result, ResyncError? SystemError)> ProcessAsync(long runId, BatchWork work, Task beforeWrite, CancellationToken cancellationToken)
    {
        using var batch = new OneBatch(this, link, clock, runId, work);
        batch.RunSteps();
        await beforeWrite;
        if (batch.Passing.Count > 0)
            await batch.WriteAsync(cancellationToken);
        return batch.Result();
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
    private static RecordOutcome Unprocessed(int position, string? key, IReadOnlyDictionary<string, object?> before, LoggingLevel level) =>
        RecordOutcome.Incomplete(position, key, level == LoggingLevel.None ? null : new Snapshot(before, null));

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

    private static string[]? WrittenFields(IReadOnlyList<IStep> steps)
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            if (step is not IFieldWritingStep { WrittenFields: { } fields })
                return null;
            written.UnionWith(fields);
        }
        return [.. written];
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
