namespace Resync.Server;

/// <summary>A stored API key: never the key itself, only its visible prefix and a hash of the whole key.</summary>
/// <param name="Prefix">The key's first, visible part (its id), e.g. <c>rsk_3fa9c2d1</c>.</param>
/// <param name="Hash">SHA-256 of the whole key, hex.</param>
/// <param name="Scope">Operator or tenant.</param>
/// <param name="Tenant">The tenant of a tenant key; null for operator keys.</param>
/// <param name="Name">What the key is for, in words.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="RevokedAt">When it was revoked, or null while it is valid.</param>
public sealed record ApiKeyRecord(string Prefix, string Hash, ApiKeyScope Scope, string? Tenant, string Name, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);
