namespace Resync.Core.Runs;

/// <summary>Why a run exists.</summary>
public enum RunKind
{
    Scheduled,
    Manual,
    Push,

    /// <summary>Automated re-processing of a run's failed records.</summary>
    Replay,

    /// <summary>A person's Retry Failures of a run.</summary>
    Retry,

    /// <summary>The remainder of an incomplete run.</summary>
    Resume,
}
