namespace Resync.Server.Links;

/// <summary>
/// A link as the API shows it: identity, state and health, its last successful sync (watermark), triggers and its
/// document with credentials hidden, and the settings that decide how it recovers.
/// </summary>
public sealed record LinkDocument(string Id, string Tenant, string Origin, string State, string? StateReason, bool Running, LinkHealthDocument Health,
    string? Watermark, long? LastRunId, LinkTriggerDocument Trigger, string Document, string RunsUrl, string IncompleteRunsUrl, string ReplaySettingsUrl,
    LinkRecoverySettingsDocument Settings);
