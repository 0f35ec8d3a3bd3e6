using System.Text.Json.Nodes;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Storage;

namespace Resync.Server.Recovery;

/// <summary>A failed record of a run, edited by hand: why it failed, and the values the run's next Retry Failures writes.</summary>
public sealed record EditedRecordDocument(long RunId, int Batch, int Position, string? Key, ResyncError? Error, JsonNode? Values, string RetryUrl)
{
    /// <summary>The answer to an edit, through the API (<c>PATCH …/records/{batch}/{position}</c>) or <c>resync edit --json</c>.</summary>
    public static EditedRecordDocument From(RecordView record, IReadOnlyDictionary<string, object?> fields) => new(record.RunId, record.BatchNumber,
        record.Position, record.Key, record.Error, JsonNode.Parse(RecordJson.Serialize(fields)), $"/api/v1/runs/{record.RunId}/retry");
}
