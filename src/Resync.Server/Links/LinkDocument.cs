namespace Resync.Server.Links;

/// <summary>A link as the API shows it: identity, state, triggers and its document with credentials hidden.</summary>
public sealed record LinkDocument(string Id, string Tenant, string Origin, string State, string? StateReason, bool Running, LinkTriggerDocument Trigger,
    string Document, string RunsUrl);
