using Resync.Core.Runs;

namespace Resync.Core.Recovery;

/// <summary>One run of a recovery chain, as a store reads it for <see cref="RetryChain"/>.</summary>
/// <param name="Id">The run.</param>
/// <param name="ParentRunId">The run it recovers, null for the chain's root.</param>
/// <param name="Status">Its status now.</param>
/// <param name="CarriesAll">Whether it carried every failure of its parent (a retry of one error group does not).</param>
/// <param name="Kind">What started it.</param>
public sealed record ChainRun(long Id, long? ParentRunId, RunStatus Status, bool CarriesAll, RunKind Kind);
