using System.Text.Json.Nodes;

namespace Resync.Server.Runs;

/// <summary>One record of a run: its outcome and snapshots, the edited values its next retry writes (null when not edited), where to edit and retry it.</summary>
public sealed record RecordDetailDocument(RecordDocument Record, JsonNode? Edited, string EditUrl, string RetryUrl);
