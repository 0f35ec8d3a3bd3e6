using Resync.Core.Errors;
using Resync.Core.Runs;

namespace Resync.Core.Engine;

/// <summary>How a run ended.</summary>
public sealed record RunResult(long RunId, RunStatus Status, RunCounts Counts, ResyncError? SystemError)
{
    /// <summary>The highest change marker read (the watermark the run reached), if the source tracks one.</summary>
    public string? HighestWatermark { get; init; }

    /// <summary>The cursor of the last page read: a resumable source continues after it.</summary>
    public string? LastCursor { get; init; }

    /// <summary>True when the source had no more pages: nothing was left unread.</summary>
    public bool ReadToEnd { get; init; }

    /// <summary>True when the run stopped after it had begun processing (some batches were read), so a remainder may be left.</summary>
    public bool StoppedPartway { get; init; }

    /// <summary>The error of the first record an error policy parked (<c>then: park</c>) while the run went on; null when none was.</summary>
    public ResyncError? ParkedError { get; init; }

    /// <summary>The error that stopped the run asks, by the link's error policy, for the link to be deactivated.</summary>
    public bool DeactivatesLink { get; init; }

    /// <summary>Failed records the link's error target could not take (they are still in the run's own failures).</summary>
    public int ErrorTargetFailures { get; init; }

    /// <summary>Why the error target failed the first time, when it did.</summary>
    public string? ErrorTargetFailure { get; init; }
}
