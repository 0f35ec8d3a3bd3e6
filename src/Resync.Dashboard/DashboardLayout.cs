using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace Resync.Dashboard;

/// <summary>
/// The HTML shell of every page: header, navigation, who is signed in, sign-out, and a <c>main</c> element whose
/// <c>data-*</c> attributes tell the script what to show. The data itself comes from the REST API, with the session,
/// so every page sees exactly what the caller's key sees there.
/// </summary>
internal static class DashboardLayout
{
    private static readonly (string Path, string Label)[] Navigation =
        [("/links", "Links"), ("/runs", "Runs"), ("/incomplete", "Incomplete"), ("/alerts", "Alert routes")];

    /// <summary>The content security policy of dashboard pages: only this server's own files, never framed.</summary>
    public const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public static IResult Page(HttpContext http, string title, DashboardUser? user, string? csrf, string section, string body,
        IReadOnlyDictionary<string, string>? data = null, string policy = Policy, int status = StatusCodes.Status200OK)
    {
        var html = new StringBuilder(2048);
        html.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(Encode(title)).Append(" · Resync</title>")
            .Append("<link rel=\"stylesheet\" href=\"/assets/dashboard.css\">");
        if (csrf is not null)
            html.Append("<meta name=\"csrf-token\" content=\"").Append(Encode(csrf)).Append("\">");
        html.Append("</head><body><a class=\"skip\" href=\"#main\">Skip to content</a>");
        if (user is not null)
        {
            html.Append("<header class=\"top\"><a class=\"brand\" href=\"/links\">Resync</a><nav aria-label=\"Main\">");
            foreach (var (path, label) in Navigation)
            {
                html.Append("<a href=\"").Append(path).Append('"');
                if (path == section)
                    html.Append(" aria-current=\"page\"");
                html.Append('>').Append(label).Append("</a>");
            }
            html.Append("</nav><div class=\"who\"><span>Signed in as <strong>").Append(Encode(user.Describe)).Append("</strong></span>")
                .Append("<form method=\"post\" action=\"/signout\"><input type=\"hidden\" name=\"").Append(DashboardSession.CsrfField)
                .Append("\" value=\"").Append(Encode(csrf ?? "")).Append("\"><button type=\"submit\" class=\"link\">Sign out</button></form></div></header>");
        }
        html.Append("<main id=\"main\" tabindex=\"-1\"");
        foreach (var (name, value) in data ?? new Dictionary<string, string>())
            html.Append(" data-").Append(name).Append("=\"").Append(Encode(value)).Append('"');
        html.Append('>').Append(body).Append("</main><script src=\"/assets/dashboard.js\"></script></body></html>");
        http.Response.Headers.ContentSecurityPolicy = policy;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "same-origin";
        http.Response.Headers.CacheControl = "no-store";
        return Results.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    public static string Encode(string value) => HtmlEncoder.Default.Encode(value);
}
