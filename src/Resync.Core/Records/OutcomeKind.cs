namespace Resync.Core.Records;

/// <summary>What happened to one record in a run.</summary>
public enum OutcomeKind
{
    Succeeded,
    Failed,
    Ignored,

    /// <summary>
    /// Read but never processed: the run stopped before its batch started (kept with its snapshot, so that a retry of a
    /// source that cannot fetch pages again, such as pushes, still has the record's values).
    /// </summary>
    Incomplete,
}
