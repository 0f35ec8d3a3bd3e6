namespace Resync.Connectors.Breakers;

/// <summary>When a connection's circuit breaker opens, and for how long (shared by every link that uses the connection).</summary>
public sealed record ConnectionBreakerOptions
{
    public const double DefaultFailureRatio = 0.5;
    public const int DefaultMinimumCalls = 5;
    public static readonly TimeSpan DefaultSamplingWindow = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultCoolDown = TimeSpan.FromSeconds(30);

    /// <summary>The share of failed calls (connection errors) within <see cref="SamplingWindow"/> that opens the breaker. The default is 0.5.</summary>
    public double FailureRatio { get; init; } = DefaultFailureRatio;

    /// <summary>Calls within the window before the share counts (at least 2). The default is 5.</summary>
    public int MinimumCalls { get; init; } = DefaultMinimumCalls;

    /// <summary>The window the share is taken over. The default is 30 seconds.</summary>
    public TimeSpan SamplingWindow { get; init; } = DefaultSamplingWindow;

    /// <summary>How long calls fail fast once the breaker is open; then one probe call decides. The default is 30 seconds.</summary>
    public TimeSpan CoolDown { get; init; } = DefaultCoolDown;

    /// <summary>Checks the options; returns the problems, each with the option it is about, empty when valid.</summary>
    public IReadOnlyList<(string Option, string Problem)> Validate()
    {
        var problems = new List<(string, string)>();
        if (FailureRatio is <= 0 or > 1 || double.IsNaN(FailureRatio))
            problems.Add((nameof(FailureRatio), $"the breaker's failure ratio must be above 0 and at most 1, found {FailureRatio}"));
        if (MinimumCalls < 2)
            problems.Add((nameof(MinimumCalls), $"the breaker's minimum calls must be at least 2, found {MinimumCalls}"));
        if (SamplingWindow < TimeSpan.FromMilliseconds(500))
            problems.Add((nameof(SamplingWindow), $"the breaker's sampling window must be at least 500ms, found {SamplingWindow}"));
        if (CoolDown < TimeSpan.FromMilliseconds(500))
            problems.Add((nameof(CoolDown), $"the breaker's cool-down must be at least 500ms, found {CoolDown}"));
        return problems;
    }
}
