using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Resync.Dashboard;

/// <summary>The dashboard's routes: sign-in and sign-out, the pages (HTML shells the script fills from the API), and its assets.</summary>
public static class DashboardEndpoints
{
    public static IEndpointRouteBuilder MapResyncDashboard(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("").ExcludeFromDescription();
        pages.MapGet("/assets/{name}", (string name, HttpContext http) => DashboardAssets.Serve(name, http));
        pages.MapGet("/signin", (Delegate)SignInPage);
        pages.MapPost("/signin", SignInAsync);
        pages.MapPost("/signout", (Delegate)SignOutAsync);
        pages.MapGet("/", () => Results.Redirect("/links"));
        pages.MapGet("/links", Section("Links", "/links", "links"));
        pages.MapGet("/runs", Section("Runs", "/runs", "runs"));
        pages.MapGet("/runs/{runId:long}", (HttpContext http, long runId) => PageAsync(http, $"Run {Id(runId)}", "/runs", "run",
            new() { ["run-id"] = Id(runId) }));
        pages.MapGet("/runs/{runId:long}/records/{batch:int}/{position:int}", (HttpContext http, long runId, int batch, int position) =>
            PageAsync(http, $"Record {Id(batch)}/{Id(position)} of run {Id(runId)}", "/runs", "record",
                new() { ["run-id"] = Id(runId), ["batch"] = Id(batch), ["position"] = Id(position) }));
        pages.MapGet("/incomplete", Section("Incomplete runs", "/incomplete", "incomplete-list"));
        pages.MapGet("/incomplete/{id:long}", (HttpContext http, long id) => PageAsync(http, $"Incomplete run {Id(id)}", "/incomplete", "incomplete",
            new() { ["incomplete-id"] = Id(id) }));
        pages.MapGet("/alerts", Section("Alert routes", "/alerts", "alerts"));
        pages.MapGet("/embed", (Delegate)EmbedPage);
        return app;
    }

    private static Delegate Section(string title, string section, string page) => (HttpContext http) => PageAsync(http, title, section, page);

    private static async Task<IResult> PageAsync(HttpContext http, string title, string section, string page, Dictionary<string, string>? data = null)
    {
        if (await DashboardSession.UserAsync(http) is not { } user)
            return Results.Redirect("/signin?returnUrl=" + Uri.EscapeDataString(http.Request.Path + http.Request.QueryString));
        data ??= [];
        data["page"] = page;
        var csrf = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http).RequestToken;
        return DashboardLayout.Page(http, title, user, csrf, section, $"<h1>{DashboardLayout.Encode(title)}</h1><p class=\"loading\" role=\"status\">Loading…</p>", data);
    }

    /// <summary>
    /// The embeddable view: no session, no cookie; the page's script calls the API with its token, which decides what it
    /// sees. Only the configured origins may frame it, and the token never leaves in a Referer.
    /// </summary>
    private static IResult EmbedPage(HttpContext http, DashboardOptions options)
    {
        var token = http.Request.Query["token"].FirstOrDefault() ?? "";
        var ancestors = options.EmbedFrameAncestors.Count == 0 ? "'none'" : string.Join(' ', options.EmbedFrameAncestors);
        var policy = DashboardLayout.Policy.Replace("frame-ancestors 'none'", $"frame-ancestors {ancestors}", StringComparison.Ordinal);
        var result = DashboardLayout.Page(http, "Failed records", null, null, "", "<h1>Failed records</h1><p class=\"loading\" role=\"status\">Loading…</p>",
            new Dictionary<string, string> { ["page"] = "embed", ["embed-token"] = token }, policy);
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        return result;
    }

    private static IResult SignInPage(HttpContext http) => SignInForm(http, http.Request.Query["returnUrl"].FirstOrDefault(), null);

    private static IResult SignInForm(HttpContext http, string? returnUrl, string? error)
    {
        var csrf = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http).RequestToken ?? "";
        var body = $"""
            <section class="signin" aria-labelledby="signin-title">
            <h1 id="signin-title">Sign in to Resync</h1>
            <p>Use an API key: an operator key sees every tenant, a tenant key only its own tenant.</p>
            {(error is null ? "" : $"<p class=\"problem\" role=\"alert\" id=\"signin-error\">{DashboardLayout.Encode(error)}</p>")}
            <form method="post" action="/signin">
            <input type="hidden" name="{DashboardSession.CsrfField}" value="{DashboardLayout.Encode(csrf)}">
            <input type="hidden" name="returnUrl" value="{DashboardLayout.Encode(LocalUrl(returnUrl))}">
            <label for="key">API key</label>
            <input id="key" name="key" type="password" autocomplete="current-password" required spellcheck="false"{(error is null ? "" : " aria-describedby=\"signin-error\" aria-invalid=\"true\"")}>
            <button type="submit" class="primary">Sign in</button>
            </form>
            </section>
            """;
        return DashboardLayout.Page(http, "Sign in", null, null, "", body, status: error is null ? StatusCodes.Status200OK : StatusCodes.Status401Unauthorized);
    }

    private static async Task<IResult> SignInAsync(HttpContext http, IDashboardKeys keys)
    {
        if (!http.Request.HasFormContentType)
            return Results.BadRequest();
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = form["returnUrl"].FirstOrDefault();
        if (!await DashboardSession.IsActionAllowedAsync(http))
            return SignInForm(http, returnUrl, "The form expired or came from another site; sign in again.");
        var key = form["key"].FirstOrDefault()?.Trim();
        if (string.IsNullOrEmpty(key))
            return SignInForm(http, returnUrl, "Enter an API key (it starts with rsk_).");
        if (await keys.SignInAsync(key, http.RequestAborted) is not { } user)
            return SignInForm(http, returnUrl, "That API key is not valid: unknown, malformed or revoked.");
        await http.SignInAsync(DashboardSession.Scheme, DashboardSession.Principal(user));
        return Results.Redirect(LocalUrl(returnUrl));
    }

    private static async Task<IResult> SignOutAsync(HttpContext http)
    {
        if (http.Request.HasFormContentType)
            await http.Request.ReadFormAsync(http.RequestAborted);
        await DashboardSession.UserAsync(http);
        if (!await DashboardSession.IsActionAllowedAsync(http))
            return Results.BadRequest("The sign-out form expired or came from another site.");
        await http.SignOutAsync(DashboardSession.Scheme);
        return Results.Redirect("/signin");
    }

    /// <summary>Where to go after signing in: a path on this server only (never <c>//host</c> or <c>/\host</c>: an open redirect).</summary>
    internal static string LocalUrl(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl) ? url : "/links";

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
