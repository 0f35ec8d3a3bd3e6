using System.Text.Json.Nodes;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Storage;

namespace Resync.Server.Runs;

/// <summary>A kept record outcome with its before/after snapshot as JSON objects (null when not kept).</summary>
public sealed record RecordDocument(int Batch, int Position, string? Key, OutcomeKind Outcome, ResyncError? Error, string? IgnoredBy, string? IgnoreReason,
    IReadOnlyList<RecordWarning> Warnings, JsonNode? Before, JsonNode? After)
{
    public static RecordDocument From(RecordView record) => new(record.BatchNumber, record.Position, record.Key, record.Outcome, record.Error,
        record.IgnoredBy, record.IgnoreReason, record.Warnings, Parse(record.BeforeJson), Parse(record.AfterJson));

    private static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);
}
