namespace Resync.Server.Alerts;

/// <summary>The body of <c>POST</c> and <c>PUT /api/v1/alert-routes</c>: a route as a whole (PUT replaces every field).</summary>
/// <param name="Name">A name for people. Required.</param>
/// <param name="Url">The webhook, http or https, or for e-mail <c>mailto:ops@example.com</c>. Required.</param>
/// <param name="LinkId">Only this link's alerts ("this integration"); none: every link in reach.</param>
/// <param name="Kinds">Only these alert kinds; none or empty: all.</param>
/// <param name="Tenant">Whose alerts: a tenant key's own tenant (the default for it); for an operator, a tenant or null for all tenants.</param>
/// <param name="Format">webhook (the default: signed Standard Webhooks JSON), slack (a Slack-compatible incoming webhook) or email (the url is <c>mailto:</c>).</param>
/// <param name="HoldDuringRecovery">Hold alerts raised during automatic recovery (the default: true).</param>
/// <param name="RecoveredNote">Send a "recovered" note when a recovery whose alerts were held got through (the default: false).</param>
public sealed record AlertRouteRequest(string? Name, string? Url, string? LinkId, IReadOnlyList<string>? Kinds, string? Tenant, string? Format = null,
    bool? HoldDuringRecovery = null, bool? RecoveredNote = null);
