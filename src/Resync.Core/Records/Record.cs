namespace Resync.Core.Records;

/// <summary>
/// One data item: its key (the source's id, when it has one) and its field values. Values are plain CLR
/// values (string, long, double, decimal, bool, DateTimeOffset, null) so that steps, targets and
/// snapshots never depend on a wire format.
/// </summary>
public sealed class Record
{
    public Record(string? key, Dictionary<string, object?> fields)
    {
        Key = key;
        Fields = fields;
    }

    /// <summary>The source's id for the record, if it has one.</summary>
    public string? Key { get; }

    /// <summary>Field values by name (case-sensitive, as the source names them).</summary>
    public Dictionary<string, object?> Fields { get; }

    /// <summary>Returns a field's value, or null when it is missing.</summary>
    public object? this[string field] => Fields.TryGetValue(field, out var value) ? value : null;

    /// <summary>A copy whose fields can be changed without touching this one (the "before" snapshot stays intact).</summary>
    public Record Clone() => new(Key, new Dictionary<string, object?>(Fields, Fields.Comparer));
}
