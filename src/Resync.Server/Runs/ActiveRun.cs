using Resync.Core.Engine;

namespace Resync.Server.Runs;

/// <summary>A run started by this server and still going (or just ended): its live counters and its end.</summary>
/// <param name="Completion">The run's end and that of the work following it (automated replays, parking its remainder).</param>
/// <param name="Ended">The run's own end, once recorded in the store: its replays may still be going.</param>
public sealed record ActiveRun(long RunId, string LinkId, RunProgress Progress, Task<RunResult> Completion, Task Ended);
