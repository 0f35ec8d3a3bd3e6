namespace Resync.Server.Alerts;

/// <summary>The answer to creating a route: its signing secret, shown this once, and the route.</summary>
public sealed record CreatedAlertRoute(string Secret, AlertRouteDocument Route);
