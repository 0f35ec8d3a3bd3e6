namespace Resync.Core.Runs;

/// <summary>The rules of <see cref="BatchStatus"/>, in one place for the recovery planner and the stores (which repeat them in SQL, pinned by the compliance suite).</summary>
public static class BatchStatusExtensions
{
    /// <summary>
    /// A batch that failed or was interrupted as a whole: a retry fetches its page again by cursor, so its records are not
    /// rebuilt one by one from their snapshots (nor counted among the failed records a retry rebuilds).
    /// </summary>
    public static bool IsFetchedAgainWhole(this BatchStatus status) => status is BatchStatus.Failed or BatchStatus.Interrupted;
}
