using Resync.Core.Records;
using Resync.Core.Storage;
using Resync.Server.Api;

namespace Resync.Server.Recovery;

/// <summary>An incomplete run with a page of its records, and how many records it carries in all (<see cref="TotalRecords"/>).</summary>
public sealed record IncompleteRunDetail(IncompleteRunDocument IncompleteRun, Page<IncompleteRecordDocument> Records, int TotalRecords)
{
    /// <summary>The document of <c>GET /api/v1/incomplete-runs/{id}</c> and <c>resync incomplete show --json</c>.</summary>
    public static async Task<IncompleteRunDetail> ReadAsync(IRecoveryStore recovery, IRunQueries queries, IncompleteRunView item, int offset, int limit,
        CancellationToken cancellationToken)
    {
        var edits = await recovery.GetIncompleteEditsAsync(item.Id, cancellationToken);
        // What the incomplete run carries: the records that failed and those the run never got to.
        var filter = new RecordFilter(Offset: offset, Limit: limit) { Outcomes = [OutcomeKind.Failed, OutcomeKind.Incomplete] };
        var records = await queries.ListRecordsAsync(item.RunId, filter, cancellationToken);
        var total = await queries.CountRecordsAsync(item.RunId, filter, cancellationToken);
        return new IncompleteRunDetail(IncompleteRunDocument.From(item), Page<IncompleteRecordDocument>.Of(
            [.. records.Select(record => IncompleteRecordDocument.From(item.Id, record, edits))], offset, limit), total);
    }
}
