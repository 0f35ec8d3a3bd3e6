using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Storage.Relational;

/// <summary>A batch as <see cref="RunStatements.SelectBatches"/> reads it.</summary>
internal sealed record BatchRow(long RunId, long Number, string? Cursor, string Status, long Read, long Succeeded, long Failed, long Ignored,
    string? Error, string StartedAt, string? EndedAt)
{
    public BatchView ToView() => new(RunId, (int)Number, Cursor, Enum.Parse<BatchStatus>(Status), (int)Read, (int)Succeeded, (int)Failed, (int)Ignored,
        StoredJson.Error(Error), StoredTime.Time(StartedAt), StoredTime.OptionalTime(EndedAt));
}
