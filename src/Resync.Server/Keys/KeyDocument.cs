using Resync.Core.Storage;

namespace Resync.Server.Keys;

/// <summary>An API key as listed: its visible prefix and scope, never the key or its hash.</summary>
public sealed record KeyDocument(string Prefix, ApiKeyScope Scope, string? Tenant, string Name, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public static KeyDocument From(ApiKeyRecord record) => new(record.Prefix, record.Scope, record.Tenant, record.Name, record.CreatedAt, record.RevokedAt);
}
