using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Resync.Core.Records;
using Resync.Core.Sdk;
using Resync.Core.Storage;

namespace Resync.Core.Recovery;

/// <summary>
/// The source of a recovery run: first the parent's failed batches, fetched again by cursor from the link's
/// source (or rebuilt from their records' snapshots where the source cannot fetch a page again, e.g. pushes);
/// then the loose failed records, rebuilt from snapshots (edited values win; with stale protection, a keyed
/// source's current version replaces the snapshot); then, for a remainder, the pages never read. When the run stops
/// again, what it did not get to of the parent's failures is kept in it like a push's records (it holds them), and the
/// pages never read stay behind the resume cursor, so that nothing is lost however often a remainder stops.
/// </summary>
internal sealed class RecoverySource(
    ISource original,
    IRunQueries queries,
    RecoveryPlan plan,
    ErrorGroupKey? group,
    IReadOnlyDictionary<(int Batch, int Position), string> edits,
    bool staleProtection) : ISource, IHeldRecordsSource
{
    /// <summary>Cursors of pages rebuilt from snapshots start with this; the link's source never sees them.</summary>
    internal const string SnapshotCursorPrefix = Runs.CrashedResume.SnapshotCursorPrefix;
    private const int PageSize = 1000;
    private readonly ConcurrentDictionary<string, byte> _resumed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _fetchedAgain = new(StringComparer.Ordinal);
    private int _reads;

    public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
        // The engine reads a run's source once; a second read is it keeping what the run did not get to (nothing was taken).
        Interlocked.Increment(ref _reads) == 1 ? ReadAllAsync(context, cancellationToken) : ParentFailuresAsync(context, keep: true, after: null, cancellationToken);

    /// <summary>
    /// What this run did not get to after the page <paramref name="cursor"/>, once it stopped: the parent's failures it had
    /// not reached, with their values and without asking the source anything (pages to fetch again keep their cursor, and the
    /// values kept of their records), so that the next resume carries them. The pages never read stay behind
    /// <see cref="ResumeCursorAfter"/>.
    /// </summary>
    public IAsyncEnumerable<SourcePage> ReadAfterAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        _resumed.ContainsKey(cursor) ? AsyncEnumerable.Empty<SourcePage>() : ParentFailuresAsync(context, keep: true, after: cursor, cancellationToken);

    /// <summary>
    /// True for a page that is a batch of the parent fetched again from the link's source: the parent may have written it to
    /// the target before its outcome was lost (a crash between the two), so its write looks up the target's ledger.
    /// </summary>
    public bool FetchedAgain(string cursor) => _fetchedAgain.ContainsKey(cursor);

    /// <summary>Where the pages never read start once this run has ended with <paramref name="lastTaken"/> as its last page taken.</summary>
    public string? ResumeCursorAfter(string? lastTaken) => lastTaken is not null && _resumed.ContainsKey(lastTaken) ? lastTaken : plan.ResumeCursor;

    private async IAsyncEnumerable<SourcePage> ReadAllAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in ParentFailuresAsync(context, keep: false, after: null, cancellationToken))
            yield return page;
        if (plan.ResumeCursor is { } resume && original is IResumableSource resumable)
        {
            await foreach (var page in resumable.ReadAfterAsync(resume, context, cancellationToken))
            {
                _resumed.TryAdd(page.Cursor, 0);
                if (plan.ReadAgain.TryGetValue(page.Cursor, out var number))
                {
                    // A batch of the parent after a missing number, taken again: it may be written already, and edits of its records win.
                    _fetchedAgain.TryAdd(page.Cursor, 0);
                    yield return page.Arrival is null ? WithEdits(number, page) : page;
                }
                else
                {
                    yield return page;
                }
            }
        }
    }

    /// <param name="keep">Keeping what a stopped run did not get to: nothing is fetched from the source.</param>
    /// <param name="after">Keeping: only what comes after this page.</param>
    private async IAsyncEnumerable<SourcePage> ParentFailuresAsync(SourceContext context, bool keep, string? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var skipping = after is not null;
        var readAgain = plan.ReadAgain.Values.ToHashSet();
        // In the parent's order: each failed batch comes where it stood, between the loose records of the batches
        // around it, so that a sequential link's remainder is processed in order.
        var batches = new Queue<(int Number, string? Cursor)>(plan.FailedBatches.OrderBy(b => b.Number));
        var pending = new List<Record>(context.BatchSize);
        var firstOrigin = "";
        var next = plan.Records > 0 ? queries.ListRetriableFailedRecordsAsync(plan.ParentRunId, group, null, PageSize, cancellationToken) : null;
        while (next is not null)
        {
            var snapshots = await next;
            // Read the next page from the store while this one is rebuilt and processed (a store that reads asynchronously; SQLite
            // reads inside the call: moving it to another thread measured no gain, the cores being busy with the batches).
            next = snapshots.Count < PageSize ? null
                : queries.ListRetriableFailedRecordsAsync(plan.ParentRunId, group, (snapshots[^1].BatchNumber, snapshots[^1].Position), PageSize, cancellationToken);
            // A failed record of a batch the resume takes again from the source (CrashedPull) is taken there, once.
            foreach (var failed in snapshots.Where(s => (!s.Durable || plan.Scope != RecoveryScope.EphemeralFailedRecords) && !readAgain.Contains(s.BatchNumber)))
            {
                while (batches.TryPeek(out var batch) && batch.Number < failed.BatchNumber)
                {
                    if (pending.Count > 0)
                    {
                        var loose = SourcePage.Of(SnapshotCursor(firstOrigin), pending);
                        pending = new List<Record>(context.BatchSize);
                        if (!Skip(ref skipping, after, loose.Cursor))
                            yield return loose;
                    }
                    batches.Dequeue();
                    if (!Skip(ref skipping, after, batch.Cursor, SnapshotCursor($"{batch.Number}")))
                        yield return await RefetchAsync(batch.Number, batch.Cursor, keep, context, cancellationToken);
                }
                if (pending.Count == 0)
                    firstOrigin = $"{failed.BatchNumber}.{failed.Position}";
                pending.Add(skipping ? new Record(failed.Key, new Dictionary<string, object?>())
                    : await RebuildAsync(failed.BatchNumber, failed.Position, failed.Key, failed.BeforeJson, keep, context, cancellationToken));
                if (pending.Count == context.BatchSize)
                {
                    var loose = SourcePage.Of(SnapshotCursor(firstOrigin), pending);
                    pending = new List<Record>(context.BatchSize);
                    if (!Skip(ref skipping, after, loose.Cursor))
                        yield return loose;
                }
            }
        }
        if (pending.Count > 0 && !Skip(ref skipping, after, SnapshotCursor(firstOrigin)))
            yield return SourcePage.Of(SnapshotCursor(firstOrigin), pending);
        while (batches.TryDequeue(out var batch))
        {
            if (!Skip(ref skipping, after, batch.Cursor, SnapshotCursor($"{batch.Number}")))
                yield return await RefetchAsync(batch.Number, batch.Cursor, keep, context, cancellationToken);
        }
    }

    /// <summary>While keeping what comes after a page, true for that page and those before it (which the run took).</summary>
    /// <param name="cursors">The cursors the page may carry (a batch fetched again carries the source's, or its snapshots').</param>
    private static bool Skip(ref bool skipping, string? after, params ReadOnlySpan<string?> cursors)
    {
        if (!skipping)
            return false;
        foreach (var cursor in cursors)
        {
            if (cursor == after)
                skipping = false;
        }
        return true;
    }

    /// <summary>A page of this run fetched again: by the link's source, unless it was rebuilt from snapshots.</summary>
    public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        cursor.StartsWith(SnapshotCursorPrefix, StringComparison.Ordinal)
            ? throw new NotSupportedException("A page rebuilt from snapshots is retried from its records' snapshots.")
            : original.FetchPageAsync(cursor, context, cancellationToken);

    private async Task<SourcePage> RefetchAsync(int number, string? cursor, bool keep, SourceContext context, CancellationToken cancellationToken)
    {
        if (!keep && cursor is not null && !cursor.StartsWith(SnapshotCursorPrefix, StringComparison.Ordinal))
        {
            try
            {
                // Without its watermark: the parent read this page already, and a record changed since would put the
                // watermark ahead of the pages not read again.
                var page = await original.FetchPageAsync(cursor, context, cancellationToken);
                if (page.Failure is not null)
                    return WithEdits(number, page);
                // Under the parent's own cursor: with the chain's root run it names the batch in the target's ledger.
                _fetchedAgain.TryAdd(cursor, 0);
                return WithEdits(number, SourcePage.Of(cursor, page.Records));
            }
            catch (NotSupportedException)
            {
                // A source that cannot fetch a page again (pushes): fall back to the batch's snapshots.
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                return SourcePage.Failed(cursor, exception);
            }
        }
        var records = new List<Record>();
        for (var offset = 0; ; offset += 1000)
        {
            // Its failed records, and those it never got to (the run stopped before the batch started).
            var page = await queries.ListRecordsAsync(plan.ParentRunId, new RecordFilter(null, offset, 1000, number), cancellationToken);
            foreach (var failed in page.Where(r => r.Outcome is OutcomeKind.Failed or OutcomeKind.Incomplete && RecoveryPlanner.IsRetriable(r)))
                records.Add(await RebuildAsync(failed.BatchNumber, failed.Position, failed.Key, failed.BeforeJson!, keep, context, cancellationToken));
            if (page.Count < 1000)
                break;
        }
        // Kept, a page the source can fetch again keeps its cursor: the next resume fetches it (its values kept here are the fallback).
        return SourcePage.Of(keep && cursor is not null ? cursor : SnapshotCursor($"{number}"), records);
    }

    /// <summary>A person's edits win over what the source gives again: an edited record of a re-fetched batch is written as edited.</summary>
    private SourcePage WithEdits(int number, SourcePage page)
    {
        if (page.Failure is not null || !edits.Keys.Any(key => key.Batch == number))
            return page;
        var records = page.Records.ToArray();
        for (var position = 0; position < records.Length; position++)
        {
            if (edits.TryGetValue((number, position), out var edited))
                records[position] = new Record(records[position].Key, RecordJson.ToFields(edited));
        }
        return SourcePage.Of(page.Cursor, records, page.Watermark);
    }

    private async Task<Record> RebuildAsync(int batchNumber, int position, string? recordKey, string beforeJson, bool keep, SourceContext context, CancellationToken cancellationToken)
    {
        if (edits.TryGetValue((batchNumber, position), out var edited))
            return new Record(recordKey, RecordJson.ToFields(edited));
        var snapshot = new Record(recordKey, RecordJson.ToFields(beforeJson));
        if (keep || !staleProtection || recordKey is not { } key || original is not IKeyedSource keyed)
            return snapshot;
        // The snapshot may be stale: what the source holds now is what should be written.
        var current = await keyed.FetchByKeyAsync(key, context, cancellationToken);
        return current ?? new Record(recordKey, snapshot.Fields)
        {
            IgnoreReason = "stale: the record no longer exists at the source, so its snapshot from the failed run is not written",
        };
    }

    private string SnapshotCursor(string origin) =>
        string.Create(CultureInfo.InvariantCulture, $"{SnapshotCursorPrefix}{plan.ParentRunId}:{origin}");
}
