using Resync.Core.Runs;

namespace Resync.Core.Engine;

/// <summary>How a run is started.</summary>
/// <param name="Kind">Why the run exists.</param>
/// <param name="Trigger">What started it, in words.</param>
/// <param name="ParentRunId">The run this one retries, replays or resumes.</param>
/// <param name="RequestId">The caller's X-Request-Id.</param>
public sealed record RunRequest(RunKind Kind = RunKind.Manual, string Trigger = "manual", long? ParentRunId = null, string? RequestId = null);
