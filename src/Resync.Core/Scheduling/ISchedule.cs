namespace Resync.Core.Scheduling;

/// <summary>When a scheduled link runs.</summary>
public interface ISchedule
{
    /// <summary>The first occurrence strictly after <paramref name="after"/> (UTC).</summary>
    DateTimeOffset Next(DateTimeOffset after);
}
