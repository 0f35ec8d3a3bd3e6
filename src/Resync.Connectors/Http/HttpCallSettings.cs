using Resync.Connectors.Network;
using Resync.Core.Links;

namespace Resync.Connectors.Http;

/// <summary>How an HTTP connector makes one call: credentials, headers, timeout and the retry of ephemeral failures.</summary>
public sealed record HttpCallSettings
{
    /// <summary>The credentials. The default is none.</summary>
    public HttpAuth Auth { get; init; } = HttpAuth.None;

    /// <summary>Extra request headers (e.g. <c>Accept-Version</c>). The default is none.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>How long one attempt may take, body included. The default is 30 seconds.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per call for ephemeral failures (1: no retry). The default is 3 (the link's <c>settings.retry.attempts</c>).</summary>
    public int RetryAttempts { get; init; } = 3;

    /// <summary>Base delay between attempts, exponential and jittered. The default is 1 second (the link's <c>settings.retry.delay</c>).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest <c>Retry-After</c> waited for within a call; a server asking for longer fails the call at once
    /// (RateLimit), and the run's backoff schedule takes over. The default is 1 minute.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Which addresses may be connected to (the SSRF guard). The default is <see cref="OutboundNetworkPolicy.Unrestricted"/>; the server passes its own.</summary>
    public OutboundNetworkPolicy Network { get; init; } = OutboundNetworkPolicy.Unrestricted;

    /// <summary>The circuit breakers every call goes through, shared with the other links of the catalog; null: none.</summary>
    public Breakers.ConnectionBreakers? Breakers { get; init; }

    /// <summary>The tenant whose breakers the calls go through: one tenant's failing calls never open another's breaker.</summary>
    public string BreakerScope { get; init; } = Core.Links.Tenants.Default;

    /// <summary>Throws when a value is out of range.</summary>
    internal void Validate()
    {
        if (Timeout <= TimeSpan.Zero)
            throw new ArgumentException($"timeout must be positive, found {Timeout}");
        if (RetryAttempts is < 1 or > LinkSettings.CallRetryAttemptsLimit)
            throw new ArgumentException($"retry attempts must be between 1 and {LinkSettings.CallRetryAttemptsLimit}, found {RetryAttempts}");
        if (RetryDelay < TimeSpan.Zero)
            throw new ArgumentException($"retry delay must not be negative, found {RetryDelay}");
        if (MaxRetryAfter < TimeSpan.Zero)
            throw new ArgumentException($"maxRetryAfter must not be negative, found {MaxRetryAfter}");
    }
}
