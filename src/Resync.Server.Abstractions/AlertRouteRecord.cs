namespace Resync.Server;

/// <summary>Where alerts go: a webhook, for one link, every link of a tenant, or (tenant null) every tenant.</summary>
/// <param name="Id">The route's number.</param>
/// <param name="Tenant">The tenant whose alerts it takes; null for an operator's route over all tenants.</param>
/// <param name="Name">A name for people.</param>
/// <param name="Url">The webhook (http or https), or for e-mail a <c>mailto:</c> address.</param>
/// <param name="LinkId">Only this link's alerts; null for every link in reach.</param>
/// <param name="Kinds">Only these alert kinds; empty for all.</param>
/// <param name="ProtectedSecret">The signing secret, encrypted by the server (never stored in clear).</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="Health">How its deliveries have gone lately.</param>
public sealed record AlertRouteRecord(long Id, string? Tenant, string Name, string Url, string? LinkId, IReadOnlyList<string> Kinds,
    string ProtectedSecret, DateTimeOffset CreatedAt, AlertRouteHealth Health)
{
    /// <summary>Its format and how it treats alerts raised during automatic recovery.</summary>
    public AlertRouteDelivery Delivery { get; init; } = AlertRouteDelivery.Default;
}
