namespace Resync.Server;

/// <summary>Whether a link is Active or Deactivated, and why.</summary>
public sealed record LinkStateView(string LinkId, bool IsActive, string? Reason);
