namespace Resync.Server;

/// <summary>A link created through the API: its document as the server protected it (encrypted; credentials inside).</summary>
public sealed record StoredLinkDocument(string LinkId, string Tenant, string ProtectedDocument, DateTimeOffset UpdatedAt);
