namespace Resync.Server.Recovery;

/// <summary>The body of <c>PUT /links/{id}/replay-settings</c>: what to change (a value left out keeps the current one).</summary>
public sealed record ReplaySettingsChange(bool? AutomatedReplay, int? MaxAttempts);
