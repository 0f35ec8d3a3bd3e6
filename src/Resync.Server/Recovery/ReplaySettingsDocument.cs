namespace Resync.Server.Recovery;

/// <summary>
/// A link's automated replay as it runs (<see cref="AutomatedReplay"/>, <see cref="MaxAttempts"/>), whether that comes
/// from an override set through the API, and what the link document itself says.
/// </summary>
public sealed record ReplaySettingsDocument(bool AutomatedReplay, int MaxAttempts, bool Overridden, ReplaySettings Document);
