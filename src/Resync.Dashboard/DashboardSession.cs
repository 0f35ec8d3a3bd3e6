using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Resync.Dashboard;

/// <summary>
/// The dashboard's session: a data-protected, HttpOnly, SameSite=Strict cookie holding the signed-in key's prefix (never
/// the key), and anti-forgery tokens that every action of a session must carry (form field or <c>X-CSRF-Token</c>).
/// The API accepts the session beside API keys; the key behind it is looked up again on every request.
/// </summary>
public static class DashboardSession
{
    public const string Scheme = "resync-session";
    public const string CookieName = "resync_session";
    public const string CsrfHeader = "X-CSRF-Token";
    public const string CsrfField = "__csrf";
    private const string PrefixClaim = "resync:key";
    private const string ScopeClaim = "resync:scope";
    private const string TenantClaim = "resync:tenant";

    /// <summary>How long a session lasts without use.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(8);

    public static IServiceCollection AddResyncDashboard(this IServiceCollection services, DashboardOptions options)
    {
        services.AddSingleton(options);
        services.AddAuthentication(Scheme).AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = IdleTimeout;
            cookie.SlidingExpiration = true;
            // Pages redirect to the sign-in page themselves; anything else is answered, not redirected.
            cookie.Events.OnRedirectToLogin = context =>
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            };
        });
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.HeaderName = CsrfHeader;
            antiforgery.FormFieldName = CsrfField;
            antiforgery.Cookie.Name = "resync_csrf";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.HttpOnly = true;
        });
        return services;
    }

    public static ClaimsPrincipal Principal(DashboardUser user)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, user.KeyPrefix),
            new(PrefixClaim, user.KeyPrefix),
            new(ScopeClaim, user.IsOperator ? "operator" : "tenant"),
        };
        if (user.Tenant is not null)
            claims.Add(new Claim(TenantClaim, user.Tenant));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
    }

    /// <summary>The prefix of the key this request's session was opened with, or null without a session.</summary>
    public static async Task<string?> KeyPrefixAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(Scheme);
        if (!result.Succeeded)
            return null;
        http.User = result.Principal;
        return result.Principal.FindFirst(PrefixClaim)?.Value;
    }

    /// <summary>The signed-in user of this request, checked against the key store (a revoked key has no session), or null.</summary>
    public static async Task<DashboardUser?> UserAsync(HttpContext http)
    {
        if (await KeyPrefixAsync(http) is not { } prefix)
            return null;
        return await http.RequestServices.GetRequiredService<IDashboardKeys>().FindAsync(prefix, http.RequestAborted);
    }

    /// <summary>Whether an action of this session carries a valid anti-forgery token (always true for safe methods).</summary>
    public static async Task<bool> IsActionAllowedAsync(HttpContext http)
    {
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method))
            return true;
        return await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http);
    }
}
