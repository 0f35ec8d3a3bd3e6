using Resync.Core.Storage;

namespace Resync.Server.Auth;

/// <summary>Who is calling: an operator (every tenant) or one tenant, identified by an API key.</summary>
public sealed record Caller(string KeyPrefix, ApiKeyScope Scope, string? Tenant)
{
    public bool IsOperator => Scope == ApiKeyScope.Operator;

    /// <summary>Whether the caller may see objects of <paramref name="tenant"/>.</summary>
    public bool Sees(string tenant) => IsOperator || string.Equals(Tenant, tenant, StringComparison.Ordinal);

    /// <summary>The tenant a list is limited to: null for operators (all).</summary>
    public string? TenantFilter => IsOperator ? null : Tenant;

    /// <summary>Whose Idempotency-Key space requests fall in.</summary>
    public string IdempotencyScope => IsOperator ? "operator" : $"tenant:{Tenant}";
}
