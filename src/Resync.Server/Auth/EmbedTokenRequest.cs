namespace Resync.Server.Auth;

/// <summary>The body of <c>POST /api/v1/embed-tokens</c>: whose view (operators), which link, <c>view</c> or <c>retry</c>, for how long (default 60 minutes).</summary>
public sealed record EmbedTokenRequest(string? Tenant, string? LinkId, string? Permission, int? ExpiresInMinutes);
