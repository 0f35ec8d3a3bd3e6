namespace Resync.Core.Storage;

/// <summary>A failed record as a retry needs it: where it was, its key, its values before the steps (JSON), and whether its error is durable.</summary>
public sealed record FailedRecordSnapshot(int BatchNumber, int Position, string? Key, string BeforeJson, bool Durable = false);
