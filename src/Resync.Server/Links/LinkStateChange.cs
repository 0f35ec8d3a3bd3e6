namespace Resync.Server.Links;

/// <summary>The body of a deactivation: why.</summary>
public sealed record LinkStateChange(string? Reason);
