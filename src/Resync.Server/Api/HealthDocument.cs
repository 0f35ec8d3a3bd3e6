namespace Resync.Server.Api;

/// <summary>The answer of <c>GET /health</c>.</summary>
/// <param name="Status">Healthy while the server answers.</param>
/// <param name="Time">The server's clock.</param>
public sealed record HealthDocument(string Status, DateTimeOffset Time);
