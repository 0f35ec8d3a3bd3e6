namespace Resync.Core.Recovery;

/// <summary>
/// Where an alert stands toward the link's automatic recovery (automated replay, the backoff schedule): routes hold the
/// alerts raised while it is under way, send one digest if it fails, and drop them if it succeeds.
/// </summary>
public enum AlertRecovery
{
    /// <summary>Not about an automatic recovery: sent at once.</summary>
    None,

    /// <summary>Raised while an automatic recovery is still under way: held until it ends.</summary>
    InProgress,

    /// <summary>The automatic recovery gave up (last attempt, deactivation): sent with the held alerts as one digest.</summary>
    Failed,

    /// <summary>The automatic recovery got through: the held alerts are dropped; sent only where the route asks for a "recovered" note.</summary>
    Succeeded,
}
