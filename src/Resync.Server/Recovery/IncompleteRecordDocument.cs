using System.Text.Json.Nodes;
using Resync.Core.Errors;
using Resync.Core.Storage;

namespace Resync.Server.Recovery;

/// <summary>
/// A record of an incomplete run: where it stood, why it failed, and the values its retry will write (the edited ones
/// when <see cref="Edited"/>, else its snapshot; null when no snapshot was kept).
/// </summary>
public sealed record IncompleteRecordDocument(int Batch, int Position, string? Key, ResyncError? Error, JsonNode? Values, bool Edited, string EditUrl)
{
    /// <summary>Failed (its error says why), or Incomplete (the run stopped before its batch started).</summary>
    public string Outcome { get; init; } = "Failed";

    /// <summary>The record of <paramref name="incompleteId"/> with its edited values when it has some.</summary>
    public static IncompleteRecordDocument From(long incompleteId, RecordView record, IReadOnlyDictionary<(int Batch, int Position), string> edits)
    {
        var edited = edits.TryGetValue((record.BatchNumber, record.Position), out var values);
        var json = values ?? record.BeforeJson;
        return new IncompleteRecordDocument(record.BatchNumber, record.Position, record.Key, record.Error, json is null ? null : JsonNode.Parse(json), edited,
            $"/api/v1/incomplete-runs/{incompleteId}/records/{record.BatchNumber}/{record.Position}")
        {
            Outcome = record.Outcome.ToString(),
        };
    }
}
