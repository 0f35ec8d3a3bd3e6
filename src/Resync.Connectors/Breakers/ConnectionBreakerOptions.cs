namespace Resync.Connectors.Breakers;

/// <summary>When a connection's circuit breaker opens, and for how long (shared by every link that uses the connection).</summary>
public sealed record ConnectionBreakerOptions
{
    /// <summary>The share of failed calls (connection errors) within <see cref="SamplingWindow"/> that opens the breaker. The default is 0.5.</summary>
    public double FailureRatio { get; init; } = 0.5;

    /// <summary>Calls within the window before the share counts (at least 2). The default is 5.</summary>
    public int MinimumCalls { get; init; } = 5;

    /// <summary>The window the share is taken over. The default is 30 seconds.</summary>
    public TimeSpan SamplingWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long calls fail fast once the breaker is open; then one probe call decides. The default is 30 seconds.</summary>
    public TimeSpan CoolDown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks the options; returns the problems, empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (FailureRatio is <= 0 or > 1)
            problems.Add($"the breaker's failure ratio must be above 0 and at most 1, found {FailureRatio}");
        if (MinimumCalls < 2)
            problems.Add($"the breaker's minimum calls must be at least 2, found {MinimumCalls}");
        if (SamplingWindow < TimeSpan.FromMilliseconds(500))
            problems.Add($"the breaker's sampling window must be at least 500ms, found {SamplingWindow}");
        if (CoolDown < TimeSpan.FromMilliseconds(500))
            problems.Add($"the breaker's cool-down must be at least 500ms, found {CoolDown}");
        return problems;
    }
}
