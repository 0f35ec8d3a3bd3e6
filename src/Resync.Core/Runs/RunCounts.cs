namespace Resync.Core.Runs;

/// <summary>
/// A run's counts. The accounting rule holds for every run, finished or not:
/// <c>Read = Succeeded + Failed + Ignored + Incomplete</c>.
/// </summary>
public sealed record RunCounts(
    long Read,
    long Succeeded,
    long Failed,
    long Ignored,
    long Incomplete,
    long Warnings,
    int BatchesTotal,
    int BatchesFailed)
{
    public static RunCounts Zero { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>True when every record read is accounted for.</summary>
    public bool IsBalanced => Read == Succeeded + Failed + Ignored + Incomplete;
}
