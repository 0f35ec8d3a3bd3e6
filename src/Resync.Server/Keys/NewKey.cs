namespace Resync.Server.Keys;

/// <summary>The body of a key creation.</summary>
public sealed record NewKey(string? Scope, string? Tenant, string? Name);
