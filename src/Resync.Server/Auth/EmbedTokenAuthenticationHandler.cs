using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Resync.Dashboard;

namespace Resync.Server.Auth;

/// <summary>
/// The embedded-view scheme, <c>Authorization: Embed &lt;token&gt;</c>: a tenant caller for as long as the token is valid
/// and the key that made it is not revoked. What it reaches is the <see cref="EmbedRoutes"/> requirement's to decide.
/// </summary>
public sealed class EmbedTokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    EmbedTokens tokens, ApiKeyService keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var authorization = Request.Headers.Authorization;
        if (authorization.Count != 1 || !authorization[0]!.StartsWith(EmbedTokens.Scheme + " ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        if (tokens.Read(authorization[0]![(EmbedTokens.Scheme.Length + 1)..].Trim(), out var invalid) is not { } scope)
            return AuthenticateResult.Fail(new AuthenticationRefusal(invalid!));
        if (await keys.FindAsync(scope.IssuedBy, Context.RequestAborted) is null)
            return AuthenticateResult.Fail(new AuthenticationRefusal($"The key that made this embedded-view token ({scope.IssuedBy}) was revoked."));
        var identity = new EmbedIdentity(ResyncClaims.Identity(Scheme.Name, scope.IssuedBy, isOperator: false, scope.Tenant), scope);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }
}
