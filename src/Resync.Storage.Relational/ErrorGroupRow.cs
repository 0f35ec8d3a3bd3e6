using Resync.Core.Errors;
using Resync.Core.Storage;

namespace Resync.Storage.Relational;

/// <summary>
/// An error group as each store's grouping query reads it, with its first record's error as the sample. Settable properties
/// rather than a constructor: with no rows, SQLite reports computed columns as blobs.
/// </summary>
internal sealed class ErrorGroupRow
{
    public string Type { get; set; } = "";
    public string Code { get; set; } = "";
    public string? Step { get; set; }
    public string? Fields { get; set; }
    public long Count { get; set; }
    public string Error { get; set; } = "";
    public string? RecordKey { get; set; }

    public ErrorGroupView ToView()
    {
        var sample = StoredJson.Error(Error)!;
        return new ErrorGroupView(Enum.Parse<ErrorType>(Type), Code, Step, string.IsNullOrEmpty(Fields) ? [] : Fields.Split(','), Count, sample.Message, RecordKey, sample.Hint);
    }
}
