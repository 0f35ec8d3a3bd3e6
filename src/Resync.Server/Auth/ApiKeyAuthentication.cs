using Resync.Dashboard;
using Resync.Server.Api;

namespace Resync.Server.Auth;

/// <summary>
/// The endpoint filter on <c>/api/v1</c>: takes the key from <c>Authorization: Bearer</c> or <c>X-Api-Key</c>,
/// answers 401 (problem document, with a <c>WWW-Authenticate</c> challenge) without a valid one, 429 when the key is
/// over its rate limit (<see cref="KeyRateLimiter"/>), and otherwise hands the <see cref="Caller"/> to the endpoint.
/// A request without a key may come from a dashboard session (<see cref="DashboardSession"/>): it stands for its key.
/// </summary>
internal static class ApiKeyAuthentication
{
    private const string CallerItem = "resync.caller";
    private const string Challenge = "Bearer realm=\"resync\"";

    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        await AuthenticateAsync(context.HttpContext) ?? await next(context);

    /// <summary>Authenticates the request's key and notes its <see cref="Caller"/>; returns the refusal when there is no valid key.</summary>
    public static async ValueTask<IResult?> AuthenticateAsync(HttpContext http)
    {
        var keys = http.RequestServices.GetRequiredService<ApiKeyService>();
        var key = http.Request.Headers["X-Api-Key"].FirstOrDefault();
        var authorization = http.Request.Headers.Authorization.FirstOrDefault();
        if (key is null && authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            key = authorization["Bearer ".Length..].Trim();
        Caller? caller;
        if (key is null && authorization is not null && authorization.StartsWith(EmbedTokens.Scheme + " ", StringComparison.OrdinalIgnoreCase))
        {
            // The embeddable view: a tenant caller limited to its token's routes, link and permission.
            var (embedded, refused) = await EmbedAccess.AuthorizeAsync(http, authorization[(EmbedTokens.Scheme.Length + 1)..].Trim());
            if (refused is not null)
                return refused;
            caller = embedded;
        }
        else if (key is null && authorization is null && await DashboardSession.KeyPrefixAsync(http) is { } prefix)
        {
            // A dashboard session: its key is looked up again (revoked means signed out), and its actions carry the
            // anti-forgery token of its pages, so another site cannot act through the cookie.
            caller = await keys.FindAsync(prefix, http.RequestAborted);
            if (caller is not null && !await DashboardSession.IsActionAllowedAsync(http))
                return Problems.Of(StatusCodes.Status400BadRequest, "invalid-antiforgery-token", "Bad request",
                    $"An action of a dashboard session needs the page's anti-forgery token in the {DashboardSession.CsrfHeader} header; reload the page.");
        }
        else if (key is null)
        {
            http.Response.Headers.WWWAuthenticate = Challenge;
            return Problems.Unauthorized("No API key: send it as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.");
        }
        else
            caller = await keys.AuthenticateAsync(key, http.RequestAborted);
        if (caller is null)
        {
            http.Response.Headers.WWWAuthenticate = Challenge + ", error=\"invalid_token\"";
            return Problems.Unauthorized("The API key is not valid: unknown, malformed or revoked.");
        }
        if (http.RequestServices.GetRequiredService<KeyRateLimiter>().Check(http, caller) is { } limited)
            return limited;
        http.Items[CallerItem] = caller;
        return null;
    }

    /// <summary>The authenticated caller of this request.</summary>
    public static Caller Caller(this HttpContext context) =>
        context.Items[CallerItem] as Caller ?? throw new InvalidOperationException("The endpoint is not behind the API key filter.");
}
