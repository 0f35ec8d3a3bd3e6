using System.Text.Json.Nodes;
using Resync.Core.Errors;

namespace Resync.Server.Recovery;

/// <summary>
/// A record of an incomplete run: where it stood, why it failed, and the values its retry will write (the edited ones
/// when <see cref="Edited"/>, else its snapshot; null when no snapshot was kept).
/// </summary>
public sealed record IncompleteRecordDocument(int Batch, int Position, string? Key, ResyncError? Error, JsonNode? Values, bool Edited, string EditUrl)
{
    /// <summary>Failed (its error says why), or Incomplete (the run stopped before its batch started).</summary>
    public string Outcome { get; init; } = "Failed";
}
