namespace Resync.Server;

/// <summary>
/// A link's automated replay settings as changed through the API: they win over the link document's
/// (<c>settings.automatedReplay</c>) until removed, whether the link comes from a file or from the API.
/// </summary>
public sealed record ReplayOverride(string LinkId, string Tenant, bool AutomatedReplay, int MaxAttempts, DateTimeOffset UpdatedAt);
