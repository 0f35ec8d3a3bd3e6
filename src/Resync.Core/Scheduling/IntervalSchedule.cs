namespace Resync.Core.Scheduling;

/// <summary>Every so often, aligned to the Unix epoch so that every process agrees on the ticks.</summary>
public sealed class IntervalSchedule : ISchedule
{
    public IntervalSchedule(TimeSpan interval)
    {
        if (interval < TimeSpan.FromSeconds(1))
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "An interval is at least one second.");
        Interval = interval;
    }

    public TimeSpan Interval { get; }

    public DateTimeOffset Next(DateTimeOffset after)
    {
        var ticks = after.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var next = (ticks / Interval.Ticks + 1) * Interval.Ticks;
        return DateTimeOffset.UnixEpoch.AddTicks(next);
    }

    public override string ToString() => $"every {Interval}";
}
