namespace Resync.Core.Storage;

/// <summary>A failed record as a retry needs it: where it was, its key, and its values before the steps (JSON).</summary>
public sealed record FailedRecordSnapshot(int BatchNumber, int Position, string? Key, string BeforeJson);
