namespace Resync.Server.Recovery;

/// <summary>A link's automated replay: whether failed records are re-processed at once, and how many times at most.</summary>
public sealed record ReplaySettings(bool AutomatedReplay, int MaxAttempts);
