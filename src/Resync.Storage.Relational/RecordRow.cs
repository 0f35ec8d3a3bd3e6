using Resync.Core.Records;
using Resync.Core.Storage;

namespace Resync.Storage.Relational;

/// <summary>A record's outcome as <see cref="RunStatements.SelectRecords"/> reads it.</summary>
internal sealed record RecordRow(long RunId, long BatchNumber, long Position, string? RecordKey, string Outcome, string? Error, string? IgnoredBy,
    string? IgnoreReason, string? Warnings, string? Before, string? After)
{
    public RecordView ToView() => new(RunId, (int)BatchNumber, (int)Position, RecordKey, Enum.Parse<OutcomeKind>(Outcome),
        StoredJson.Error(Error), IgnoredBy, IgnoreReason, StoredJson.Warnings(Warnings), Before, After);
}
