using Resync.Core.Errors;
using Resync.Core.Runs;

namespace Resync.Core.Engine;

/// <summary>How a run ended.</summary>
public sealed record RunResult(long RunId, RunStatus Status, RunCounts Counts, ResyncError? SystemError);
