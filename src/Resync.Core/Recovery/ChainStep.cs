using Resync.Core.Storage;

namespace Resync.Core.Recovery;

/// <summary>What a store writes for one ancestor while it resolves a recovery chain (<see cref="RetryChain"/>).</summary>
/// <param name="RunId">The ancestor.</param>
/// <param name="Resolved">When the ancestor becomes Succeeded (resolved by the chain's succeeding run), the entry its history gets; null when it stays as it is.</param>
/// <param name="IsRoot">The chain's root: its pending watermark becomes the link's (when higher than the link's).</param>
public sealed record ChainStep(long RunId, RunEvent? Resolved, bool IsRoot);
