using Resync.Core.Runs;

namespace Resync.Core.Engine;

/// <summary>How a run is started.</summary>
/// <param name="Kind">Why the run exists.</param>
/// <param name="Trigger">What started it, in words.</param>
/// <param name="ParentRunId">The run this one retries, replays or resumes.</param>
/// <param name="RequestId">The caller's X-Request-Id.</param>
public sealed record RunRequest(RunKind Kind = RunKind.Manual, string Trigger = "manual", long? ParentRunId = null, string? RequestId = null)
{
    /// <summary>For Retry, Replay and Resume runs: whether the run carries every failure of its parent.</summary>
    public bool CarriesAllFailures { get; init; } = true;

    /// <summary>The first run of the chain (null: this run is a root, or the caller did not say); dead letters are keyed by it.</summary>
    public long? RootRunId { get; init; }

    /// <summary>True for runs that read the source afresh (their success moves the watermark); false for runs that redo a parent's failures.</summary>
    public bool IsRoot => Kind is RunKind.Scheduled or RunKind.Manual or RunKind.Push;
}
