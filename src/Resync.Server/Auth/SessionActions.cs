using Resync.Dashboard;
using Resync.Server.Api;

namespace Resync.Server.Auth;

/// <summary>
/// A dashboard session's actions carry the anti-forgery token of its pages, so another site cannot act through the
/// cookie (400 <c>invalid-antiforgery-token</c>). Reads, and callers with a key or a token, pass.
/// </summary>
public sealed class SessionActions : ApiRequirement
{
    protected override async ValueTask<IResult?> CheckAsync(HttpContext http, Caller caller) =>
        http.User.Identity?.AuthenticationType == DashboardSession.Scheme && !await DashboardSession.IsActionAllowedAsync(http)
            ? Problems.Of(StatusCodes.Status400BadRequest, "invalid-antiforgery-token", "Bad request",
                $"An action of a dashboard session needs the page's anti-forgery token in the {DashboardSession.CsrfHeader} header; reload the page.")
            : null;
}
