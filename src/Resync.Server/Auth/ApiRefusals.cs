using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Resync.Server.Api;

namespace Resync.Server.Auth;

/// <summary>
/// Answers a refused request with the API's problem documents instead of the schemes' bare challenges: 401 with the
/// reason (and, for keys, a <c>WWW-Authenticate</c> challenge) when the caller is not authenticated, else the first
/// requirement's <see cref="Refusal"/> (404, 403, 400 or 429).
/// </summary>
internal sealed class ApiRefusals : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context);
            return;
        }
        var answer = authorizeResult.Challenged
            ? await UnauthorizedAsync(context)
            : authorizeResult.AuthorizationFailure?.FailureReasons.OfType<Refusal>().FirstOrDefault()?.Answer ?? Problems.NotFound("route", context.Request.Path);
        await answer.ExecuteAsync(context);
    }

    private static async Task<IResult> UnauthorizedAsync(HttpContext http)
    {
        // The scheme's result is kept for the request: this reads why it failed, it does not check again.
        var result = await http.AuthenticateAsync(ResyncAuthentication.Scheme);
        switch (result.Failure)
        {
            case AuthenticationRefusal refusal:
                if (refusal.Challenge is { } challenge)
                    http.Response.Headers.WWWAuthenticate = challenge;
                return Problems.Unauthorized(refusal.Message);
            case not null:
                // The session cookie's own failure: its key was revoked, or the cookie expired or was not this server's.
                return Problems.Unauthorized("The dashboard session is not valid: its key was revoked or it expired; sign in again.");
            default:
                http.Response.Headers.WWWAuthenticate = ApiKeyAuthenticationHandler.Challenge;
                return Problems.Unauthorized("No API key: send it as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.");
        }
    }
}
