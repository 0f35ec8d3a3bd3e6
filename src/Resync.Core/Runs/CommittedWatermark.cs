namespace Resync.Core.Runs;

/// <summary>
/// How far a pull run whose process died had got, for its link's watermark (the last successful sync): the one rule both
/// stores apply when they mark such a run Interrupted. Each batch's commit records the highest change marker of its page;
/// left where it was, the watermark would make the next run read and write again every batch that had committed before the kill.
/// </summary>
public static class CommittedWatermark
{
    /// <summary>
    /// The highest watermark of the run's batches from the first on, in source order, as long as each succeeded outright: every
    /// record up to it is in the target. The first batch that did not (cut by the crash, failed, with failed or incomplete records,
    /// or missing) ends the prefix: its records are not all written, and a next run reading from the watermark must read them
    /// again. A succeeded batch with no watermark (an empty page) moves nothing and stops nothing. Null when nothing committed.
    /// </summary>
    public static string? Of(IEnumerable<(int Number, BatchStatus Status, string? Watermark)> batches)
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

    /// <summary>True when <paramref name="candidate"/> is ahead of <paramref name="current"/> (compared ordinally, as the engine compares change markers).</summary>
    public static bool Advances(string? current, string? candidate) =>
        candidate is not null && (current is null || string.CompareOrdinal(candidate, current) > 0);
}
