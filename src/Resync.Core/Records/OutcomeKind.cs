namespace Resync.Core.Records;

/// <summary>What happened to one record in a run.</summary>
public enum OutcomeKind
{
    Succeeded,
    Failed,
    Ignored,
}
