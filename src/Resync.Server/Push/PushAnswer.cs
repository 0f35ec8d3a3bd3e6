using Resync.Core.Errors;
using Resync.Core.Runs;
using Resync.Server.Runs;

namespace Resync.Server.Push;

/// <summary>The answer to a synchronous push: the run, its counts, and each record's outcome.</summary>
public sealed record PushAnswer(long RunId, RunStatus Status, bool HasErrors, RunCounts Counts, ResyncError? SystemError, IReadOnlyList<PushRecordResult> Records,
    RunLinks Links)
{
    /// <summary>Set when the automated replay of the run's failed records was still going when the push answered.</summary>
    public PushReplay? Replay { get; init; }
}
