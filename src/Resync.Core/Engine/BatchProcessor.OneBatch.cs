using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Policies;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Sdk;
using Resync.Core.Storage;

namespace Resync.Core.Engine;

internal sealed partial class BatchProcessor
{
    /// <summary>
    /// One batch on its way: the records through the steps, the passing ones to the target, and what is kept of each
    /// record that did not simply succeed, counted as it goes.
    /// </summary>
    private sealed class OneBatch : IDisposable
    {
        private static readonly Dictionary<string, object?> NoFields = [];

        private readonly BatchProcessor _processor;
        private readonly Link _link;
        private readonly TimeProvider _clock;
        private readonly long _runId;
        private readonly BatchWork _work;
        private readonly IReadOnlyList<Record> _records;
        private readonly LoggingLevel _level;
        private readonly bool _sequential;
        // Set when the steps change the records in place: their values from before the steps, for the snapshots.
        private readonly BeforeValues? _before;
        private readonly List<int> _passingPositions;
        private List<IReadOnlyList<RecordWarning>?>? _passingWarnings;
        private readonly List<RecordOutcome> _kept = [];
        private int _failed, _ignored, _warnings, _succeeded;
        private ResyncError? _stepStop; // a step's failure whose policy stops the run
        private ResyncError? _batchError;
        private ResyncError? _systemError;
        private ErrorAction? _wholeBatch;
        // Sequential: the records of Passing from this index on were not written (a record before them failed).
        private int _writtenCount;

        public OneBatch(BatchProcessor processor, Link link, TimeProvider clock, long runId, BatchWork work)
        {
            _processor = processor;
            _link = link;
            _clock = clock;
            _runId = runId;
            _work = work;
            _records = work.Records;
            _level = link.Settings.LoggingLevel;
            _sequential = link.Settings.SequentialProcessing;
            Passing = new List<Record>(_records.Count);
            _passingPositions = new List<int>(_records.Count);
            if (work.RecordsAreFresh && processor._writtenFields is { } written && link.Steps.Count > 0)
                _before = new BeforeValues(written, _records.Count);
        }

        /// <summary>The records every step let through, as the steps left them: what goes to the target.</summary>
        public List<Record> Passing { get; }

        private ErrorPolicies Policies => _processor.Policies;

        /// <summary>Every record through the steps: the passing ones are kept for the target, the others settled.</summary>
        public void RunSteps()
        {
            var context = new StepContext(_records.Count > 0 ? _records[0] : new Record(null, NoFields), _runId);
            for (var position = 0; position < _records.Count; position++)
            {
                var original = _records[position];
                if (_sequential && _failed > 0)
                    _kept.Add(Unprocessed(position, original.Key, original.Fields, _level));
                else if (original.ReadError is { } readError)
                {
                    // The source could not read this item (e.g. a malformed line): it fails alone, before any step,
                    // and keeps what the source had of it (the raw line) as its "before" snapshot.
                    _failed++;
                    _kept.Add(new RecordOutcome(position, original.Key, OutcomeKind.Failed,
                        readError.ToError(ErrorScope.Record, _clock.GetUtcNow(), "source"), null, null, [],
                        _level == LoggingLevel.None ? null : new Snapshot(original.Fields, null)));
                }
                else if (original.IgnoreReason is { } skipped)
                {
                    // Decided before the steps (e.g. a retried record that changed at the source since it failed).
                    _ignored++;
                    _kept.Add(new RecordOutcome(position, original.Key, OutcomeKind.Ignored, null, "source", skipped, [],
                        _level == LoggingLevel.None ? null : new Snapshot(original.Fields, null)));
                }
                else
                    RunSteps(position, original, context);
            }
        }

        private void RunSteps(int position, Record original, StepContext context)
        {
            var steps = _link.Steps;
            _before?.Save(position, original.Fields);
            context.Reset(steps.Count == 0 || _before is not null ? original : original.Clone());
            var (result, stepName) = _processor.ApplySteps(steps, context);
            _warnings += context.Warnings.Count;

            if (result.IsContinue)
            {
                Passing.Add(context.Record);
                _passingPositions.Add(position);
                if (context.Warnings.Count > 0 || _passingWarnings is not null)
                {
                    _passingWarnings ??= [.. Enumerable.Repeat<IReadOnlyList<RecordWarning>?>(null, Passing.Count - 1)];
                    _passingWarnings.Add(context.Warnings.Count > 0 ? context.Warnings : null);
                }
                return;
            }

            var snapshot = _level == LoggingLevel.None ? null : new Snapshot(Before(position), context.Record.Fields);
            if (result.Error is { } error)
            {
                // (Settled before the assignment: a second stopping record must be kept too.)
                var stops = Settle(Policies.ForStep(error), error, error.ToError(ErrorScope.Record, _clock.GetUtcNow(), stepName),
                    new RecordOutcome(position, original.Key, OutcomeKind.Failed, null, stepName, null, context.Warnings, snapshot));
                _stepStop ??= stops;
            }
            else
            {
                _ignored++;
                _kept.Add(new RecordOutcome(position, original.Key, OutcomeKind.Ignored, null, stepName, result.IgnoreReason,
                    context.Warnings, _level == LoggingLevel.All ? snapshot : null));
            }
        }

        /// <summary>Writes the passing records (in order, or with the link's retries) and settles each by what the target answered.</summary>
        public async Task WriteAsync(CancellationToken cancellationToken)
        {
            _writtenCount = Passing.Count;
            TargetWriteResult written;
            if (_sequential)
            {
                (written, _writtenCount, _systemError) = await _processor.WriteInOrderAsync(_runId, _work.Number, Passing, cancellationToken);
            }
            else
            {
                ErrorClassification? failure;
                (written, failure) = await _processor.WriteWithRetriesAsync(_runId, _work, Passing, cancellationToken);
                if (failure is not null)
                {
                    _wholeBatch = Policies.ForTargetBatch(failure);
                    if (_wholeBatch is ErrorAction.Fail or ErrorAction.Stop or ErrorAction.Deactivate)
                    {
                        var stops = _wholeBatch != ErrorAction.Fail;
                        _batchError = failure.ToError(stops ? ErrorScope.System : ErrorScope.Batch, _clock.GetUtcNow(), "target");
                        if (stops)
                            _systemError = _batchError;
                    }
                }
            }
            SettleWritten(written);
        }

        private void SettleWritten(TargetWriteResult written)
        {
            var issues = written.Issues;
            var issueIndex = 0;
            var sorted = IsSortedByIndex(issues) ? issues : [.. issues.OrderBy(issue => issue.Index)];
            for (var i = 0; i < Passing.Count; i++)
            {
                var position = _passingPositions[i];
                // Skip issues that no longer apply (a second issue for a record already handled, an index below 0):
                // left in place they would hide the issues of every later record.
                while (issueIndex < sorted.Count && sorted[issueIndex].Index < i)
                    issueIndex++;
                var issue = issueIndex < sorted.Count && sorted[issueIndex].Index == i ? sorted[issueIndex++] : null;
                if (i >= _writtenCount)
                    _kept.Add(Unprocessed(position, _records[position].Key, Before(position), _level));
                else if (issue is null)
                    Succeeded(i, position);
                else
                    SettleIssue(i, position, issue, written);
            }
        }

        private void Succeeded(int i, int position)
        {
            _succeeded++;
            var recordWarnings = PassingWarnings(i);
            if (_level == LoggingLevel.All || recordWarnings.Count > 0)
            {
                var snapshot = _level == LoggingLevel.All ? new Snapshot(Before(position), Passing[i].Fields) : null;
                _kept.Add(new RecordOutcome(position, _records[position].Key, OutcomeKind.Succeeded, null, null, null, recordWarnings, snapshot));
            }
        }

        private void SettleIssue(int i, int position, TargetRecordIssue issue, TargetWriteResult written)
        {
            var key = _records[position].Key;
            var recordWarnings = PassingWarnings(i);
            var keptSnapshot = _level == LoggingLevel.None ? null : new Snapshot(Before(position), Passing[i].Fields);
            if (issue.Error is { } notWritten && notWritten == written.StoppedBy)
            {
                // The target stopped before writing this record (its siblings before it were written and count): as for a
                // failed batch write, the run stops, and the record waits with its values in the remainder.
                var stopAction = Policies.ForTargetBatch(notWritten);
                var stopping = stopAction is ErrorAction.Stop or ErrorAction.Deactivate;
                var stopError = notWritten.ToError(stopping ? ErrorScope.System : ErrorScope.Batch, _clock.GetUtcNow(), "target");
                Settle(stopping ? ErrorAction.Park : stopAction, notWritten, stopError,
                    new RecordOutcome(position, key, OutcomeKind.Failed, null, "target", null, recordWarnings, keptSnapshot));
                if (stopping)
                    _systemError ??= stopError;
                return;
            }
            if (issue.Error is { } error)
            {
                // (Sequential: the error that stopped the run is the record's own, the one it stopped at.)
                var recordError = _batchError ?? (_sequential && _systemError is not null ? _systemError
                    : error.ToError(_wholeBatch is null ? ErrorScope.Record : ErrorScope.Batch, _clock.GetUtcNow(), "target"));
                // A batch error has decided for the whole batch already: its records fail with it.
                var action = _batchError is not null ? ErrorAction.Fail : _wholeBatch ?? Policies.ForTargetRecord(error);
                var stops = Settle(action, error, recordError,
                    new RecordOutcome(position, key, OutcomeKind.Failed, null, "target", null, recordWarnings, keptSnapshot));
                _systemError ??= stops;
                return;
            }
            _ignored++;
            _kept.Add(new RecordOutcome(position, key, OutcomeKind.Ignored, null, "target",
                issue.IgnoreReason ?? "refused by the target", recordWarnings, _level == LoggingLevel.All ? keptSnapshot : null));
        }

        /// <summary>The batch's result, and the system error that stops the run (a step's first, else the target's), if any.</summary>
        public (BatchResult Result, ResyncError? SystemError) Result()
        {
            if (_kept.Count > 1)
                _kept.Sort(static (a, b) => a.Position.CompareTo(b.Position));
            var status = _batchError is not null ? BatchStatus.Failed
                : _failed > 0 || _kept.Any(outcome => outcome.Kind == OutcomeKind.Incomplete) ? BatchStatus.CompletedWithErrors
                : BatchStatus.Succeeded;
            var batch = new BatchResult(_runId, _work.Number, _work.Cursor, status, _records.Count, _succeeded, _failed, _ignored, _warnings,
                _batchError, _kept, _clock.GetUtcNow()) { Watermark = _work.Watermark };
            return (batch, _stepStop ?? _systemError);
        }

        public void Dispose() => _before?.Dispose();

        /// <summary>
        /// Keeps a failed record as its error policy says (<paramref name="failedRecord"/> carries its key, warnings and snapshot):
        /// failed, parked as incomplete with its values, or ignored with the policy's reason. Returns the error as a system error
        /// when the policy stops the run (the record itself counts as failed).
        /// </summary>
        private ResyncError? Settle(ErrorAction action, ErrorClassification cause, ResyncError error, RecordOutcome failedRecord)
        {
            switch (action)
            {
                case ErrorAction.Park:
                    _kept.Add(failedRecord with { Kind = OutcomeKind.Incomplete, Error = error, IgnoredBy = null });
                    return null;
                case ErrorAction.Ignore:
                    _ignored++;
                    _kept.Add(failedRecord with
                    {
                        Kind = OutcomeKind.Ignored,
                        IgnoreReason = Policies.IgnoreReason(cause),
                        Snapshot = _level == LoggingLevel.All ? failedRecord.Snapshot : null,
                    });
                    return null;
                default:
                    _failed++;
                    _kept.Add(failedRecord with { Error = error, IgnoredBy = null });
                    return action is ErrorAction.Stop or ErrorAction.Deactivate ? error with { Scope = ErrorScope.System } : null;
            }
        }

        private IReadOnlyList<RecordWarning> PassingWarnings(int i) => (IReadOnlyList<RecordWarning>?)_passingWarnings?[i] ?? [];

        // The record's values before the steps: the record as the source gave it, or rebuilt when the steps changed it in place.
        private IReadOnlyDictionary<string, object?> Before(int position) =>
            _before?.Of(position, _records[position].Fields) ?? _records[position].Fields;
    }
}
