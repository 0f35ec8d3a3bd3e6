namespace Resync.Core.Runs;

/// <summary>
/// Where the remainder of a pull run whose process died reads on: the one rule both stores apply when they park it, and the
/// recovery planner when it resumes it. A batch's start is noted before its target write, so a run that died normally has
/// batches 1 to n; but a start that failed to commit (a full state disk) while a later one committed leaves a number missing.
/// Its page is in no batch: read on after the last batch, the resume would never read it, and the watermark would later move
/// past it.
/// </summary>
public static class CrashedPull
{
    /// <summary>
    /// The page the remainder reads on after: the cursor of the last batch before the first missing number (batches 1 to k),
    /// so that the missing page is read. Null when there is none (no batch, batch 1 missing, or a page with no cursor).
    /// </summary>
    public static string? ReadsOnAfter(IEnumerable<(int Number, string? Cursor)> batches) => UnbrokenPrefix(batches.ToList()).Cursor;

    /// <summary>
    /// The batches a resume reading on after <paramref name="resumeCursor"/> takes again from the source, by cursor with their
    /// number: those after a missing number, when the resume reads on from the end of the batches before it
    /// (<see cref="ReadsOnAfter"/>). They are neither fetched again nor rebuilt from snapshots on their own (that would write
    /// them twice); their pages may have been written, so their write looks up the target's ledger. Empty for a run with no
    /// number missing, which is every run but the rare crash above.
    /// </summary>
    public static IReadOnlyDictionary<string, int> ReadAgain(IEnumerable<(int Number, string? Cursor)> batches, string? resumeCursor)
    {
        var ordered = batches.ToList();
        var (last, cursor) = UnbrokenPrefix(ordered);
        if (resumeCursor is null || cursor != resumeCursor)
            return new Dictionary<string, int>();
        return ordered.Where(batch => batch.Number > last && batch.Cursor is not null && !batch.Cursor.StartsWith(CrashedResume.SnapshotCursorPrefix, StringComparison.Ordinal))
            .GroupBy(batch => batch.Cursor!, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Min(batch => batch.Number), StringComparer.Ordinal);
    }

    /// <summary>The last batch of batches 1 to k, the run's batches before the first missing number; (0, null) when batch 1 is missing.</summary>
    private static (int Number, string? Cursor) UnbrokenPrefix(List<(int Number, string? Cursor)> batches)
    {
        (int, string?) last = (0, null);
        foreach (var batch in batches.OrderBy(batch => batch.Number))
        {
            if (batch.Number != last.Item1 + 1)
                break;
            last = batch;
        }
        return last;
    }
}
