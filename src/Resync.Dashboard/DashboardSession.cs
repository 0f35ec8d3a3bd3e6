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
/// The API accepts the session beside API keys (the server's authentication scheme forwards to this one); the key behind it
/// is looked up again on every request, so a revoked key ends its sessions.
/// </summary>
public static class DashboardSession
{
    public const string Scheme = "resync-session";
    public const string CookieName = "resync_session";
    public const string CsrfHeader = "X-CSRF-Token";
    public const string CsrfField = "__csrf";

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
            // The cookie holds the key's prefix only: what it may see is read from the key now, and a revoked key has no session.
            cookie.Events.OnValidatePrincipal = async context =>
            {
                var prefix = context.Principal?.FindFirst(ResyncClaims.KeyPrefix)?.Value;
                var user = prefix is null ? null
                    : await context.HttpContext.RequestServices.GetRequiredService<IDashboardKeys>().FindAsync(prefix, context.HttpContext.RequestAborted);
                if (user is null)
                    context.RejectPrincipal();
                else
                    context.ReplacePrincipal(Principal(user));
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

    public static ClaimsPrincipal Principal(DashboardUser user) => new(ResyncClaims.Identity(Scheme, user.KeyPrefix, user.IsOperator, user.Tenant));

    /// <summary>The signed-in user of this request, checked against the key store (a revoked key has no session), or null.</summary>
    public static async Task<DashboardUser?> UserAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(Scheme);
        if (!result.Succeeded)
            return null;
        http.User = result.Principal;
        return ResyncClaims.User(result.Principal);
    }

    /// <summary>Whether an action of this session carries a valid anti-forgery token (always true for safe methods).</summary>
    public static async Task<bool> IsActionAllowedAsync(HttpContext http)
    {
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method))
            return true;
        return await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http);
    }
}
