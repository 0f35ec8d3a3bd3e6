using Microsoft.AspNetCore.Authorization;

namespace Resync.Server.Auth;

/// <summary>
/// A requirement that checks itself (ASP.NET Core calls a requirement that is its own handler). Policies list them in the
/// order they are checked; the first refusal is the answer, and the checks after it do not run (a refused request spends
/// nothing of its key's rate limit). Unauthenticated requests are the challenge's, not theirs.
/// </summary>
public abstract class ApiRequirement : IAuthorizationRequirement, IAuthorizationHandler
{
    public async Task HandleAsync(AuthorizationHandlerContext context)
    {
        if (context.HasFailed || context.User.Identity is not { IsAuthenticated: true } || context.Resource is not HttpContext http)
            return;
        if (await CheckAsync(http, http.Caller()) is { } answer)
            context.Fail(new Refusal(this, answer));
        else
            context.Succeed(this);
    }

    /// <summary>Null when the caller may go on; else the answer that refuses it.</summary>
    protected abstract ValueTask<IResult?> CheckAsync(HttpContext http, Caller caller);
}
