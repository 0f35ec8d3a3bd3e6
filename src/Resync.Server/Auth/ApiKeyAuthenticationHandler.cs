using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Resync.Dashboard;

namespace Resync.Server.Auth;

/// <summary>
/// The API-key scheme: the key from <c>Authorization: Bearer</c> or <c>X-Api-Key</c> (one of them, or both with the same
/// key), checked against the key store (a revoked key is refused). Nothing sent is no result: the challenge asks for a key.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiKeyService keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string Header = "X-Api-Key";
    public const string Challenge = "Bearer realm=\"resync\"";
    private const string Bearer = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers;
        if (headers[Header].Count > 1 || headers.Authorization.Count > 1)
            return Refuse("Send one key, in one header: 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.");
        var header = headers[Header].FirstOrDefault();
        var authorization = headers.Authorization.FirstOrDefault();
        var bearer = authorization is not null && authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) ? authorization[Bearer.Length..].Trim() : null;
        // Two credentials that differ (another key, an embedded-view token) are ambiguous: neither is taken.
        if (header is not null && authorization is not null && bearer != header)
            return Refuse("The request carries X-Api-Key and a different Authorization header: send the key once, in one of them.");
        var key = header ?? bearer;
        if (key is null)
            return AuthenticateResult.NoResult();
        if (await keys.AuthenticateAsync(key, Context.RequestAborted) is not { } caller)
            return Refuse("The API key is not valid: unknown, malformed or revoked.");
        var identity = ResyncClaims.Identity(Scheme.Name, caller.KeyPrefix, caller.IsOperator, caller.Tenant);
        return AuthenticateResult.Success(new AuthenticationTicket(new System.Security.Claims.ClaimsPrincipal(identity), Scheme.Name));
    }

    private static AuthenticateResult Refuse(string detail) => AuthenticateResult.Fail(new AuthenticationRefusal(detail, Challenge + ", error=\"invalid_token\""));
}
