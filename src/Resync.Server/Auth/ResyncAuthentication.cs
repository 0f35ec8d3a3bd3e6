using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Resync.Dashboard;

namespace Resync.Server.Auth;

/// <summary>
/// How the API knows its callers: one policy scheme, <see cref="Scheme"/>, that forwards by what the request carries —
/// an API key (<c>X-Api-Key</c>, <c>Authorization: Bearer</c>) to <see cref="ApiKeyScheme"/>, an embedded-view token
/// (<c>Authorization: Embed</c>) to <see cref="EmbedScheme"/>, nothing of these to the dashboard's session cookie — and the
/// authorization policies over it: <see cref="ApiPolicy"/> on every API route, <see cref="OperatorOnly"/> on top for the
/// operator's routes. Refusals are answered as problem documents by <see cref="ApiRefusals"/>.
/// </summary>
public static class ResyncAuthentication
{
    public const string Scheme = "resync";
    public const string ApiKeyScheme = "resync-api-key";
    public const string EmbedScheme = "resync-embed";
    public const string ApiPolicy = "resync-api";

    public static IServiceCollection AddResyncAuthentication(this IServiceCollection services)
    {
        // The dashboard's session scheme (AddResyncDashboard) is the third: its cookie stands for the key it was opened with.
        services.AddAuthentication()
            .AddPolicyScheme(Scheme, "Resync API", policy => policy.ForwardDefaultSelector = Select)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyScheme, null)
            .AddScheme<AuthenticationSchemeOptions, EmbedTokenAuthenticationHandler>(EmbedScheme, null);
        services.AddAuthorizationBuilder().AddPolicy(ApiPolicy, Api());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiRefusals>();
        return services;
    }

    /// <summary>
    /// Every API route: an authenticated caller; an embedded view only on its routes; a session's actions with their
    /// anti-forgery token; the key within its rate limit (checked last: a refused request spends none of it).
    /// </summary>
    private static AuthorizationPolicy Api() => new AuthorizationPolicyBuilder(Scheme).RequireAuthenticatedUser()
        .AddRequirements(new EmbedRoutes(), new SessionActions(), new KeyRateLimit()).Build();

    /// <summary>Operator keys only, on top of <see cref="ApiPolicy"/>; anyone else is told there is no <paramref name="what"/> <paramref name="id"/>.</summary>
    public static AuthorizationPolicy OperatorOnly(string what, Func<HttpContext, string> id) =>
        new AuthorizationPolicyBuilder(Scheme).AddRequirements(new OperatorOnly(what, id)).Build();

    private static string Select(HttpContext http)
    {
        var headers = http.Request.Headers;
        if (headers.ContainsKey(ApiKeyAuthenticationHandler.Header))
            return ApiKeyScheme;
        if (headers.Authorization.Count == 1 && headers.Authorization[0]!.StartsWith(EmbedTokens.Scheme + " ", StringComparison.OrdinalIgnoreCase))
            return EmbedScheme;
        // Any other Authorization header is the API key scheme's to read or refuse; a session is taken only from a request that carries no credentials.
        return headers.Authorization.Count > 0 || !http.Request.Cookies.ContainsKey(DashboardSession.CookieName) ? ApiKeyScheme : DashboardSession.Scheme;
    }
}
