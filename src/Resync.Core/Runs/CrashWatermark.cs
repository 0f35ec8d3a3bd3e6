namespace Resync.Core.Runs;

/// <summary>
/// Where the watermark of a pull run whose process died goes: the one rule both stores apply when they mark such a run
/// Interrupted. Each batch records the highest change marker of its page when it starts and when it commits; left where it
/// was, the link's watermark would make the next run read and write again every batch that had committed before the kill.
/// </summary>
public static class CrashWatermark
{
    /// <summary>
    /// Where the link's watermark may move at once: the highest watermark of the run's batches from the first on, in source
    /// order, as long as each succeeded outright, so that every record up to it is in the target. The first batch that did not
    /// (cut by the crash, failed, with failed or incomplete records, or missing) ends the prefix: its records are not all written,
    /// and a next run reading from the watermark must read them again. A succeeded batch with no watermark (an empty page) moves
    /// nothing and stops nothing. Null when nothing committed.
    /// </summary>
    public static string? Committed(IEnumerable<(int Number, BatchStatus Status, string? Watermark)> batches)
    {
        string? reached = null;
        var expected = 1;
        foreach (var batch in batches.OrderBy(batch => batch.Number))
        {
            if (batch.Number != expected++ || batch.Status != BatchStatus.Succeeded)
                break;
            if (Advances(reached, batch.Watermark))
                reached = batch.Watermark;
        }
        return reached;
    }

    /// <summary>
    /// How far the run had read: the highest watermark of every page it took, cut batches included. The link's watermark moves
    /// there only once the run's chain has resolved (its remainder resumed), as for a run that ended with errors: the resume
    /// fetches the cut batches again without moving it, so a next run would otherwise read and write them a third time.
    /// </summary>
    public static string? Read(IEnumerable<(int Number, BatchStatus Status, string? Watermark)> batches)
    {
        string? reached = null;
        foreach (var batch in batches)
        {
            if (Advances(reached, batch.Watermark))
                reached = batch.Watermark;
        }
        return reached;
    }

    /// <summary>True when <paramref name="candidate"/> is ahead of <paramref name="current"/> (compared ordinally, as the engine compares change markers).</summary>
    public static bool Advances(string? current, string? candidate) =>
        candidate is not null && (current is null || string.CompareOrdinal(candidate, current) > 0);
}
