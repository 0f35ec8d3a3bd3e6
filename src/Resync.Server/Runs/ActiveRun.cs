using Resync.Core.Engine;

namespace Resync.Server.Runs;

/// <summary>A run started by this server and still going (or just ended): its live counters and its end.</summary>
public sealed record ActiveRun(long RunId, string LinkId, RunProgress Progress, Task<RunResult> Completion);
