namespace Resync.Server.Alerts;

/// <summary>The body of <c>POST</c> and <c>PUT /api/v1/alert-routes</c>: a route as a whole (PUT replaces every field).</summary>
/// <param name="Name">A name for people. Required.</param>
/// <param name="Url">The webhook, http or https. Required.</param>
/// <param name="LinkId">Only this link's alerts ("this integration"); none: every link in reach.</param>
/// <param name="Kinds">Only these alert kinds; none or empty: all.</param>
/// <param name="Tenant">Whose alerts: a tenant key's own tenant (the default for it); for an operator, a tenant or null for all tenants.</param>
public sealed record AlertRouteRequest(string? Name, string? Url, string? LinkId, IReadOnlyList<string>? Kinds, string? Tenant);
