using Resync.Core.Storage;

namespace Resync.Server.Alerts;

/// <summary>An alert route as the API shows it: never its secret, always how its deliveries go.</summary>
/// <param name="Id">The route's number.</param>
/// <param name="Name">Its name.</param>
/// <param name="Tenant">Whose alerts it takes; null: every tenant's (operators only).</param>
/// <param name="Url">The webhook.</param>
/// <param name="LinkId">Only this link's alerts, or null.</param>
/// <param name="Kinds">Only these kinds; empty: all.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="Health">Last attempt (status code, error, hint), failures in a row, next attempt.</param>
/// <param name="DeliveriesUrl">Its deliveries, newest first.</param>
/// <param name="TestUrl">POST here to send a test alert.</param>
public sealed record AlertRouteDocument(long Id, string Name, string? Tenant, string Url, string? LinkId, IReadOnlyList<string> Kinds, DateTimeOffset CreatedAt,
    AlertRouteHealth Health, string DeliveriesUrl, string TestUrl)
{
    /// <summary>webhook, slack or email.</summary>
    public string Format { get; init; } = AlertRouteDelivery.Webhook;

    /// <summary>Whether alerts raised during automatic recovery are held (one digest if it fails, nothing if it succeeds).</summary>
    public bool HoldDuringRecovery { get; init; } = true;

    /// <summary>Whether a "recovered" note is sent when an automatic recovery whose alerts were held got through.</summary>
    public bool RecoveredNote { get; init; }

    /// <summary>The link whose <c>alerts:</c> section declares the route (changed there only); null for a route made through the API.</summary>
    public string? DeclaredBy { get; init; }

    public static AlertRouteDocument From(AlertRouteRecord route) => new(route.Id, route.Name, route.Tenant, Resync.Core.Errors.SecretText.Mask(route.Url), route.LinkId, route.Kinds, route.CreatedAt,
        route.Health, $"{AlertEndpoints.Root}/{route.Id}/deliveries", $"{AlertEndpoints.Root}/{route.Id}/test")
    {
        Format = route.Delivery.Format,
        HoldDuringRecovery = route.Delivery.HoldDuringRecovery,
        RecoveredNote = route.Delivery.RecoveredNote,
        DeclaredBy = route.Delivery.DeclaredBy,
    };
}
