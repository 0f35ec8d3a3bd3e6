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
/// source's current version replaces the snapshot); then, for a remainder, the pages never read.
/// </summary>
internal class RecoverySource(
    ISource original,
    IRunQueries queries,
    RecoveryPlan plan,
    ErrorGroupKey? group,
    IReadOnlyDictionary<(int Batch, int Position), string> edits,
    bool staleProtection) : ISource
{
    /// <summary>Cursors of pages rebuilt from snapshots start with this; the link's source never sees them.</summary>
    internal const string SnapshotCursorPrefix = "snapshots:";
    private const int PageSize = 1000;

    /// <summary>
    /// The source of a recovery run of <paramref name="link"/>. Where the link's source cannot read on after a page (a push:
    /// there is no unread remainder at the source), it holds its records: a recovery run that stops keeps the pages it did
    /// not read as incomplete records, so a remainder retried again and again never drops any.
    /// </summary>
    public static RecoverySource For(ISource original, IRunQueries queries, RecoveryPlan plan, ErrorGroupKey? group,
        IReadOnlyDictionary<(int Batch, int Position), string> edits, bool staleProtection) =>
        original is IResumableSource
            ? new RecoverySource(original, queries, plan, group, edits, staleProtection)
            : new HeldRecoverySource(original, queries, plan, group, edits, staleProtection);

    public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) => PagesAsync(null, context, cancellationToken);

    /// <summary>
    /// The pages after <paramref name="after"/>, as they are held (snapshots and edits; the link's source is not asked):
    /// what a run that stopped keeps for its incomplete run. A page of a batch that could be fetched again keeps its cursor,
    /// so that the next retry fetches it again when the source can.
    /// </summary>
    protected IAsyncEnumerable<SourcePage> KeptPagesAfterAsync(string after, SourceContext context, CancellationToken cancellationToken) =>
        PagesAsync(after, context, cancellationToken);

    private async IAsyncEnumerable<SourcePage> PagesAsync(string? after, SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var keep = after is not null;
        var skipping = keep;
        bool Skip(string cursor, string? alternative = null)
        {
            if (!skipping)
                return false;
            skipping = cursor != after && alternative != after;
            return true;
        }

        // In the parent's order: each failed batch comes where it stood, between the loose records of the batches
        // around it, so that a sequential link's remainder is processed in order.
        var batches = new Queue<(int Number, string? Cursor)>(plan.FailedBatches.OrderBy(b => b.Number));
        var pending = new List<FailedRecordSnapshot>(context.BatchSize);
        var next = plan.Records > 0 ? queries.ListRetriableFailedRecordsAsync(plan.ParentRunId, group, null, PageSize, cancellationToken) : null;
        while (next is not null)
        {
            var snapshots = await next;
            // Read the next page from the store while this one is rebuilt and processed.
            next = snapshots.Count < PageSize ? null
                : queries.ListRetriableFailedRecordsAsync(plan.ParentRunId, group, (snapshots[^1].BatchNumber, snapshots[^1].Position), PageSize, cancellationToken);
            foreach (var failed in snapshots)
            {
                while (batches.TryPeek(out var batch) && batch.Number < failed.BatchNumber)
                {
                    if (pending.Count > 0)
                    {
                        if (!Skip(PendingCursor(pending)))
                            yield return await RebuiltPageAsync(pending, keep, context, cancellationToken);
                        pending = new List<FailedRecordSnapshot>(context.BatchSize);
                    }
                    batches.Dequeue();
                    if (!Skip(batch.Cursor ?? "", SnapshotCursor($"{batch.Number}")))
                        yield return await RefetchAsync(batch.Number, batch.Cursor, keep, context, cancellationToken);
                }
                pending.Add(failed);
                if (pending.Count == context.BatchSize)
                {
                    if (!Skip(PendingCursor(pending)))
                        yield return await RebuiltPageAsync(pending, keep, context, cancellationToken);
                    pending = new List<FailedRecordSnapshot>(context.BatchSize);
                }
            }
        }
        if (pending.Count > 0 && !Skip(PendingCursor(pending)))
            yield return await RebuiltPageAsync(pending, keep, context, cancellationToken);
        while (batches.TryDequeue(out var batch))
        {
            if (!Skip(batch.Cursor ?? "", SnapshotCursor($"{batch.Number}")))
                yield return await RefetchAsync(batch.Number, batch.Cursor, keep, context, cancellationToken);
        }

        if (!keep && plan.ResumeCursor is { } resume && original is IResumableSource resumable)
        {
            await foreach (var page in resumable.ReadAfterAsync(resume, context, cancellationToken))
                yield return page;
        }
    }

    private string PendingCursor(List<FailedRecordSnapshot> pending) => SnapshotCursor($"{pending[0].BatchNumber}.{pending[0].Position}");

    private async Task<SourcePage> RebuiltPageAsync(List<FailedRecordSnapshot> pending, bool keep, SourceContext context, CancellationToken cancellationToken)
    {
        var records = new List<Record>(pending.Count);
        foreach (var failed in pending)
            records.Add(await RebuildAsync(failed.BatchNumber, failed.Position, failed.Key, failed.BeforeJson, keep, context, cancellationToken));
        return SourcePage.Of(PendingCursor(pending), records);
    }

    /// <summary>A page of this run fetched again: by the link's source, unless it was rebuilt from snapshots.</summary>
    public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        cursor.StartsWith(SnapshotCursorPrefix, StringComparison.Ordinal)
            ? throw new NotSupportedException("A page rebuilt from snapshots is retried from its records' snapshots.")
            : original.FetchPageAsync(cursor, context, cancellationToken);

    private async Task<SourcePage> RefetchAsync(int number, string? cursor, bool keep, SourceContext context, CancellationToken cancellationToken)
    {
        var refetchable = cursor is not null && !cursor.StartsWith(SnapshotCursorPrefix, StringComparison.Ordinal);
        if (refetchable && !keep && cursor is not null)
        {
            try
            {
                return WithEdits(number, await original.FetchPageAsync(cursor, context, cancellationToken));
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
        return SourcePage.Of(keep && refetchable ? cursor! : SnapshotCursor($"{number}"), records);
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

    /// <param name="keep">Only as held (edits and snapshot): the record is kept, not written, so its source is not asked.</param>
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
