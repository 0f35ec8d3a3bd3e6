using Microsoft.AspNetCore.Authorization;

namespace Resync.Server.Auth;

/// <summary>Why an authenticated caller may not go on, as the answer to give (a 404, 403, 400 or 429 problem).</summary>
public sealed class Refusal(IAuthorizationHandler handler, IResult answer) : AuthorizationFailureReason(handler, "refused")
{
    public IResult Answer { get; } = answer;
}
