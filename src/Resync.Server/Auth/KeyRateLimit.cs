namespace Resync.Server.Auth;

/// <summary>The caller's key is within its rate limit (<see cref="KeyRateLimiter"/>: 429 with Retry-After above it).</summary>
public sealed class KeyRateLimit : ApiRequirement
{
    protected override ValueTask<IResult?> CheckAsync(HttpContext http, Caller caller) =>
        ValueTask.FromResult<IResult?>(http.RequestServices.GetRequiredService<KeyRateLimiter>().Check(http, caller));
}
