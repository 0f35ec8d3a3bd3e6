using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Resync.Server.Api;

namespace Resync.Server.Auth;

/// <summary>
/// Per-key rate limiting (a <see cref="PartitionedRateLimiter"/> of token buckets, partitioned by key prefix). It is
/// applied once the key is checked, not before: a request with a forged or unknown key never spends a real key's budget.
/// </summary>
public sealed class KeyRateLimiter(ServerOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter = options.RateLimit is { } limit
        ? PartitionedRateLimiter.Create<string, string>(prefix => RateLimitPartition.GetTokenBucketLimiter(prefix, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Burst,
            TokensPerPeriod = limit.Refill,
            ReplenishmentPeriod = limit.Period,
            QueueLimit = 0,
            AutoReplenishment = true,
        }))
        : null;

    /// <summary>Null when the key may go on; else the 429 problem, with <c>Retry-After</c> set on the response.</summary>
    public ProblemHttpResult? Check(HttpContext http, Caller caller)
    {
        if (_limiter is null)
            return null;
        using var lease = _limiter.AttemptAcquire(caller.KeyPrefix);
        if (lease.IsAcquired)
            return null;
        var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var limit = options.RateLimit!;
        return Problems.Of(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests",
            $"Key {caller.KeyPrefix} made more requests than this server allows ({limit.Burst:N0} at once, {limit.Refill:N0} more every {limit.Period.TotalSeconds:0.###} s); retry after {seconds} s.",
            new Dictionary<string, object?> { ["retryAfter"] = seconds });
    }

    public void Dispose() => _limiter?.Dispose();
}
