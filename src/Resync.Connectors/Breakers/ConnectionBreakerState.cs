namespace Resync.Connectors.Breakers;

/// <summary>One connection's breaker as shown in the API, the CLI and the health answer.</summary>
/// <param name="Tenant">The tenant whose calls it counts (each tenant has its own breakers).</param>
/// <param name="Connection">The connection: <c>scheme://host:port</c>.</param>
/// <param name="State">closed (calls go through), open (calls fail fast), half-open (one probe call is deciding) or isolated.</param>
/// <param name="OpenedAt">When it last opened, if it did.</param>
public sealed record ConnectionBreakerState(string Tenant, string Connection, string State, DateTimeOffset? OpenedAt);
