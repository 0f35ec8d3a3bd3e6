namespace Resync.Core.Runs;

/// <summary>
/// Whether a resume run whose process died takes over the remainder it was resuming: the one rule both stores apply when they
/// mark such a run Interrupted. A resume first redoes its parent's failures (batches fetched again by their cursor, records
/// rebuilt from snapshots), then reads the pages its parent never read. Left with the parent, the remainder's next retry would
/// redo all of it, writing again every batch the dead resume had committed.
/// </summary>
public static class CrashedResume
{
    /// <summary>How the cursor of a page rebuilt from snapshots starts (the link's source never gives one).</summary>
    public const string SnapshotCursorPrefix = "snapshots:";

    /// <summary>
    /// Where the resume's own remainder reads on (the cursor of its last batch), when it can take the parent's over; null when
    /// it cannot, and the parent's remainder stays as it was. It can once it had taken a page its parent never read (a cursor
    /// that is neither one of <paramref name="parentCursors"/> nor a snapshot page's): every failure of the parent came before
    /// that page, each in a batch of the resume's, so that what is left is the resume's own failures, its cut batches (pages
    /// fetched again by cursor) and the pages after its last. It cannot when a batch number is missing (a page taken whose
    /// start never committed would be lost), or when a batch before that page was cut (its records, rebuilt from the parent's
    /// snapshots or carrying a person's edits, were never kept in the resume).
    /// </summary>
    public static string? TakesOverAt(IEnumerable<(int Number, BatchStatus Status, string? Cursor)> batches, IEnumerable<string?> parentCursors)
    {
        var parents = parentCursors.OfType<string>().ToHashSet(StringComparer.Ordinal);
        var ordered = batches.OrderBy(batch => batch.Number).ToList();
        var readOn = false;
        for (var i = 0; i < ordered.Count; i++)
        {
            var (number, status, cursor) = ordered[i];
            if (number != i + 1)
                return null;
            readOn |= cursor is not null && !cursor.StartsWith(SnapshotCursorPrefix, StringComparison.Ordinal) && !parents.Contains(cursor);
            if (!readOn && status is BatchStatus.Processing or BatchStatus.Interrupted)
                return null;
        }
        return readOn ? ordered[^1].Cursor : null;
    }
}
