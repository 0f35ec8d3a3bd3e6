using Resync.Core.Engine;
using Resync.Core.Links;

namespace Resync.Core.Recovery;

/// <summary>A run and what followed it automatically: automated replays, a parked remainder, the link's new health.</summary>
/// <param name="Run">The run itself.</param>
/// <param name="Replays">Automated Replay runs, in order.</param>
/// <param name="IncompleteRunId">The incomplete run its remainder was parked as, if it stopped partway.</param>
/// <param name="Health">The link's health after it.</param>
public sealed record LinkRunOutcome(RunResult Run, IReadOnlyList<RunResult> Replays, long? IncompleteRunId, LinkHealth Health);
