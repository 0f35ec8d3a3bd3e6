namespace Resync.Core.Policies;

/// <summary>
/// What a link does with one error type: write the failed records again within the run (<see cref="Attempts"/>,
/// <see cref="Delays"/>), then <see cref="Then"/>. The defaults are the handling each type had before policies existed.
/// </summary>
public sealed record ErrorTypePolicy
{
    /// <summary>The default <see cref="Attempts"/>: one write, no retry by the engine (a connector's own call retry still applies).</summary>
    public const int DefaultAttempts = 1;

    /// <summary>The most <see cref="Attempts"/> allowed.</summary>
    public const int MaxAttempts = 20;

    /// <summary>The default <see cref="Delays"/>.</summary>
    public static IReadOnlyList<TimeSpan> DefaultDelays { get; } = [TimeSpan.FromSeconds(1)];

    /// <summary>
    /// Writes of a failed record to the target in the run, the first included. The default is <see cref="DefaultAttempts"/>.
    /// Source pages and steps are not retried by the engine: a source's calls retry on their own (<c>settings.retry</c>), and
    /// steps are pure, so trying them again gives the same answer.
    /// </summary>
    public int Attempts { get; init; } = DefaultAttempts;

    /// <summary>The wait before each further write; the last repeats. The default is <see cref="DefaultDelays"/>.</summary>
    public IReadOnlyList<TimeSpan> Delays { get; init; } = DefaultDelays;

    /// <summary>What happens once the attempts are used up; null (the default) keeps the type's built-in handling (<see cref="ErrorPolicies.DefaultHandling"/>).</summary>
    public ErrorAction? Then { get; init; }

    /// <summary>Why records are ignored (<see cref="ErrorAction.Ignore"/>, where it is mandatory): shown with every record it ignores.</summary>
    public string? Reason { get; init; }

    /// <summary>The built-in handling of every type.</summary>
    public static ErrorTypePolicy Default { get; } = new();

    /// <summary>The wait before write number <paramref name="attempt"/> + 1, or null when the attempts are used up.</summary>
    public TimeSpan? DelayAfter(int attempt) =>
        attempt >= Attempts || Delays.Count == 0 ? null : Delays[Math.Min(attempt - 1, Delays.Count - 1)];
}
