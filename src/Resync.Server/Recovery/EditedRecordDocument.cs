using System.Text.Json.Nodes;
using Resync.Core.Errors;

namespace Resync.Server.Recovery;

/// <summary>A failed record of a run, edited by hand: why it failed, and the values the run's next Retry Failures writes.</summary>
public sealed record EditedRecordDocument(long RunId, int Batch, int Position, string? Key, ResyncError? Error, JsonNode? Values, string RetryUrl);
