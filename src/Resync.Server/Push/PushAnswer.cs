using Resync.Core.Errors;
using Resync.Core.Runs;
using Resync.Server.Runs;

namespace Resync.Server.Push;

/// <summary>
/// The answer to a synchronous push: the run, its counts, and each record's outcome. Pushes of one link that arrive together
/// share a run: then <see cref="FirstRecord"/> is where the push's records start in it, and the status and counts are the push's own.
/// </summary>
public sealed record PushAnswer(long RunId, RunStatus Status, bool HasErrors, RunCounts Counts, ResyncError? SystemError, IReadOnlyList<PushRecordResult> Records,
    RunLinks Links)
{
    /// <summary>Set when the automated replay of the run's failed records was still going when the push answered.</summary>
    public PushReplay? Replay { get; init; }

    /// <summary>The run's record (0-based, in its reading order) that is the push's first: 0 unless the run is shared.</summary>
    public int FirstRecord { get; init; }
}
