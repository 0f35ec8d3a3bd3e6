namespace Resync.Server.Recovery;

/// <summary>The body of a discard: why (kept in the run's history).</summary>
public sealed record DiscardRequest(string? Reason);
