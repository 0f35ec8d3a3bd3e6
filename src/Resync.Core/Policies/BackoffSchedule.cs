namespace Resync.Core.Policies;

/// <summary>
/// When a link whose run failed with an ephemeral system error is tried again: after 1 min, 2 min, 5 min,
/// 10 min, 1 h, 3 h, 12 h and 24 h by default (a setting). After the last attempt the link is deactivated.
/// </summary>
public sealed class BackoffSchedule
{
    public BackoffSchedule(IReadOnlyList<TimeSpan> delays)
    {
        if (delays.Count == 0 || delays.Any(delay => delay <= TimeSpan.Zero))
            throw new ArgumentException("A backoff schedule needs at least one positive delay.", nameof(delays));
        Delays = delays;
    }

    /// <summary>1 min, 2 min, 5 min, 10 min, 1 h, 3 h, 12 h, 24 h.</summary>
    public static BackoffSchedule Default { get; } = new([
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10),
        TimeSpan.FromHours(1), TimeSpan.FromHours(3), TimeSpan.FromHours(12), TimeSpan.FromHours(24)]);

    public IReadOnlyList<TimeSpan> Delays { get; }

    /// <summary>
    /// The delay before the next attempt after <paramref name="failedAttempts"/> failures in a row (1 = the first
    /// failure), or null when the schedule is used up and the link must be deactivated.
    /// </summary>
    public TimeSpan? DelayAfter(int failedAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        return failedAttempts <= Delays.Count ? Delays[failedAttempts - 1] : null;
    }
}
