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
internal sealed class RecoverySource(
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

    public async IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // In the parent's order: each failed batch comes where it stood, between the loose records of the batches
        // around it, so that a sequential link's remainder is processed in order.
        var batches = new Queue<(int Number, string? Cursor)>(plan.FailedBatches.OrderBy(b => b.Number));
        var pending = new List<Record>(context.BatchSize);
        var firstOrigin = "";
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
                        yield return SourcePage.Of(SnapshotCursor(firstOrigin), pending);
                        pending = new List<Record>(context.BatchSize);
                    }
                    batches.Dequeue();
                    yield return await RefetchAsync(batch.Number, batch.Cursor, context, cancellationToken);
                }
                if (pending.Count == 0)
                    firstOrigin = $"{failed.BatchNumber}.{failed.Position}";
                pending.Add(await RebuildAsync(failed.BatchNumber, failed.Position, failed.Key, failed.BeforeJson, context, cancellationToken));
                if (pending.Count == context.BatchSize)
                {
                    yield return SourcePage.Of(SnapshotCursor(firstOrigin), pending);
                    pending = new List<Record>(context.BatchSize);
                }
            }
        }
        if (pending.Count > 0)
            yield return SourcePage.Of(SnapshotCursor(firstOrigin), pending);
        while (batches.TryDequeue(out var batch))
            yield return await RefetchAsync(batch.Number, batch.Cursor, context, cancellationToken);

        if (plan.ResumeCursor is { } resume && original is IResumableSource resumable)
        {
            await foreach (var page in resumable.ReadAfterAsync(resume, context, cancellationToken))
                yield return page;
        }
    }

    /// <summary>A page of this run fetched again: by the link's source, unless it was rebuilt from snapshots.</summary>
    public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        cursor.StartsWith(SnapshotCursorPrefix, StringComparison.Ordinal)
            ? throw new NotSupportedException("A page rebuilt from snapshots is retried from its records' snapshots.")
            : original.FetchPageAsync(cursor, context, cancellationToken);

    private async Task<SourcePage> RefetchAsync(int number, string? cursor, SourceContext context, CancellationToken cancellationToken)
    {
        if (cursor is not null && !cursor.StartsWith(SnapshotCursorPrefix, StringComparison.Ordinal))
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
                records.Add(await RebuildAsync(failed.BatchNumber, failed.Position, failed.Key, failed.BeforeJson!, context, cancellationToken));
            if (page.Count < 1000)
                break;
        }
        return SourcePage.Of(SnapshotCursor($"{number}"), records);
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

    private async Task<Record> RebuildAsync(int batchNumber, int position, string? recordKey, string beforeJson, SourceContext context, CancellationToken cancellationToken)
    {
        if (edits.TryGetValue((batchNumber, position), out var edited))
            return new Record(recordKey, RecordJson.ToFields(edited));
        var snapshot = new Record(recordKey, RecordJson.ToFields(beforeJson));
        if (!staleProtection || recordKey is not { } key || original is not IKeyedSource keyed)
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
