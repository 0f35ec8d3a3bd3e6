namespace Resync.Server.Auth;

/// <summary>
/// What an embedded-view token grants: one tenant's failed records (optionally one link's), to view or to view and retry,
/// until <see cref="ExpiresAt"/>, for as long as the key that made it (<see cref="IssuedBy"/>, its prefix) is not revoked.
/// </summary>
public sealed record EmbedScope(string Tenant, string? LinkId, EmbedPermission Permission, string IssuedBy, DateTimeOffset ExpiresAt);
