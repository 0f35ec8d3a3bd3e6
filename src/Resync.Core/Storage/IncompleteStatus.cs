namespace Resync.Core.Storage;

/// <summary>Where an incomplete run stands.</summary>
public enum IncompleteStatus
{
    /// <summary>Ephemeral: retried automatically at <see cref="IncompleteRunView.NextAttemptAt"/>.</summary>
    Scheduled,

    /// <summary>Durable (or automatic attempts used up): waits for a person to retry, edit or discard it.</summary>
    Waiting,

    /// <summary>A resume run processed the remainder.</summary>
    Resolved,

    /// <summary>A person discarded it.</summary>
    Discarded,
}
