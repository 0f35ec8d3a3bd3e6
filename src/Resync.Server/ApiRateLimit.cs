namespace Resync.Server;

/// <summary>
/// How many API requests one key may make: a token bucket per key of <paramref name="Burst"/> requests, refilled with
/// <paramref name="Refill"/> requests every <paramref name="Period"/>. Above it the API answers 429 with Retry-After.
/// </summary>
public sealed record ApiRateLimit(int Burst, int Refill, TimeSpan Period)
{
    /// <summary>The requests a key may make at once. The default is 10,000.</summary>
    public const int DefaultBurst = 10_000;

    /// <summary>The requests a key gets back every second. The default is 10,000.</summary>
    public const int DefaultRefillPerSecond = 10_000;

    /// <summary>
    /// The default: 10,000 requests at once, 10,000 a second sustained, per key; above the push rate one server is built
    /// to take through one key (thousands a second), so it stops a runaway client, not normal use.
    /// </summary>
    public static ApiRateLimit Default { get; } = new(DefaultBurst, DefaultRefillPerSecond, TimeSpan.FromSeconds(1));

    /// <summary>Throws when a value is out of range, naming it.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Burst, 1, nameof(Burst));
        ArgumentOutOfRangeException.ThrowIfLessThan(Refill, 1, nameof(Refill));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Period, TimeSpan.Zero, nameof(Period));
    }
}
