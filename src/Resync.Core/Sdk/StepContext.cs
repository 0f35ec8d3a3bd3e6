using Resync.Core.Records;

namespace Resync.Core.Sdk;

/// <summary>One record on its way through the steps: its working copy and the warnings raised so far.</summary>
public sealed class StepContext
{
    private List<RecordWarning>? _warnings;

    /// <summary>A record on its way through the steps (public so that step authors can unit-test their steps).</summary>
    public StepContext(Record record, long runId = 0)
    {
        Record = record;
        RunId = runId;
    }

    /// <summary>The run the record belongs to (steps that remember records, such as dedupe, keep state per run).</summary>
    public long RunId { get; }

    /// <summary>The record's working copy: steps may change its fields.</summary>
    public Record Record { get; internal set; }

    /// <summary>Warnings raised so far (empty when none).</summary>
    public IReadOnlyList<RecordWarning> Warnings => (IReadOnlyList<RecordWarning>?)_warnings ?? [];

    /// <summary>Attaches a warning; it never changes the outcome.</summary>
    public void Warn(RecordWarning warning) => (_warnings ??= []).Add(warning);

    internal void Reset(Record record)
    {
        Record = record;
        _warnings = null;
    }
}
