using Resync.Core.Scheduling;

namespace Resync.Core.Links;

/// <summary>When a link runs: on a schedule, by hand, and/or when records are pushed to it.</summary>
/// <param name="Schedule">The schedule (cron or interval), or null for none.</param>
/// <param name="Manual">Whether a person or an API call may start it.</param>
/// <param name="Push">Whether records are pushed to its push endpoint.</param>
public sealed record LinkTrigger(ISchedule? Schedule = null, bool Manual = true, bool Push = false)
{
    public static LinkTrigger ManualOnly { get; } = new();
}
