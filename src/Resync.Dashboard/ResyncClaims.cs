using System.Security.Claims;

namespace Resync.Dashboard;

/// <summary>
/// The claims every way of signing in to Resync gives its caller (an API key, an embedded-view token, a dashboard
/// session): the key's visible prefix, its scope (operator or tenant) and its tenant.
/// </summary>
public static class ResyncClaims
{
    public const string KeyPrefix = "resync:key";
    public const string Scope = "resync:scope";
    public const string Tenant = "resync:tenant";
    public const string OperatorScope = "operator";
    public const string TenantScope = "tenant";

    /// <summary>The claims of a caller, authenticated by <paramref name="scheme"/>.</summary>
    public static ClaimsIdentity Identity(string scheme, string keyPrefix, bool isOperator, string? tenant)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, keyPrefix),
            new(KeyPrefix, keyPrefix),
            new(Scope, isOperator ? OperatorScope : TenantScope),
        };
        if (tenant is not null)
            claims.Add(new Claim(Tenant, tenant));
        return new ClaimsIdentity(claims, scheme);
    }

    /// <summary>Who <paramref name="principal"/> is, or null when it carries no Resync claims (not authenticated).</summary>
    public static DashboardUser? User(ClaimsPrincipal principal) =>
        principal.Identity is { IsAuthenticated: true } && principal.FindFirst(KeyPrefix)?.Value is { } prefix
            ? new DashboardUser(prefix, principal.FindFirst(Scope)?.Value == OperatorScope, principal.FindFirst(Tenant)?.Value)
            : null;
}
