using Resync.Core.Links;

namespace Resync.Connectors.Retry;

/// <summary>
/// How often and how patiently one source or target call is made again after an ephemeral failure: the link's
/// <c>settings.retry</c>, the same for every connector (HTTP, PostgreSQL, SQLite). What is retried is decided by the error
/// classifier alone (an ephemeral classification), and a target only lets a call be made again when its first try left
/// nothing behind (see <see cref="CallAttempt.MayHaveCommitted"/>).
/// </summary>
public sealed record CallRetry
{
    /// <summary>The longest wait between two attempts of a call (a longer outage is the run's backoff schedule's to wait out).</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>One attempt: no retry.</summary>
    public static CallRetry None { get; } = new() { Attempts = 1 };

    /// <summary>Attempts of a call, the first included (1: no retry). The default is 3, as <c>settings.retry.attempts</c>.</summary>
    public int Attempts { get; init; } = new LinkSettings().CallRetryAttempts;

    /// <summary>The base delay between attempts, exponential and jittered. The default is 1 second, as <c>settings.retry.delay</c>.</summary>
    public TimeSpan Delay { get; init; } = new LinkSettings().CallRetryDelay;

    /// <summary>The longest computed delay between attempts. The default is <see cref="DefaultMaxDelay"/> (30 seconds).</summary>
    public TimeSpan MaxDelay { get; init; } = DefaultMaxDelay;

    /// <summary>
    /// The longest wait a server may ask for (HTTP <c>Retry-After</c>) that is still waited for within the call; a longer
    /// ask fails the call at once. The default is 1 minute.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The clock the delays run on when the caller is not given one per call (targets). The default is the system clock.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The retry a link's settings ask for (<c>settings.retry.attempts</c> and <c>delay</c>).</summary>
    public static CallRetry Of(LinkSettings settings) => new() { Attempts = settings.CallRetryAttempts, Delay = settings.CallRetryDelay };
}
