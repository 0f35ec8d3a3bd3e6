using System.Globalization;
using Resync.Core.Errors;

namespace Resync.Core.Records;

/// <summary>
/// One data item: its key (the source's id, when it has one) and its field values. Values are plain CLR
/// values (string, long, double, decimal, bool, DateTimeOffset, null) so that steps, targets and
/// snapshots never depend on a wire format.
/// </summary>
public sealed class Record
{
    // A key given as a value (Keyed): made into text when first read, as most records are never asked for theirs.
    private readonly object? _keyValue;
    private string? _key;

    /// <param name="key">The source's id for the record, if it has one.</param>
    /// <param name="fields">Its fields: a page's shared schema and this record's values, or a dictionary (converts implicitly; not copied).</param>
    public Record(string? key, RecordFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        _key = key;
        Fields = fields;
    }

    private Record(object? keyValue, string? key, RecordFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        _keyValue = keyValue;
        _key = key;
        Fields = fields;
    }

    /// <summary>
    /// A record whose key is <paramref name="keyValue"/> as text (<see cref="KeyText"/>), made when the key is first read:
    /// a source that reads the key from a field saves making its text for every record that simply succeeds.
    /// </summary>
    /// <param name="keyValue">The value of the record's key field (kept as it is now: a later change to the field does not change the key).</param>
    /// <param name="fields">Its fields, as for the constructor.</param>
    public static Record Keyed(object? keyValue, RecordFields fields) => new(keyValue, null, fields);

    /// <summary>The source's id for the record, if it has one.</summary>
    public string? Key => _key ?? (_keyValue is null ? null : _key = KeyText(_keyValue));

    /// <summary>A value as the text of a key (also a watermark's or a URL placeholder's): invariant culture; null stays null.</summary>
    public static string? KeyText(object? value) => value switch
    {
        null => null,
        string text => text,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        _ => value.ToString(),
    };

    /// <summary>Field values by name (case-sensitive, as the source names them).</summary>
    public RecordFields Fields { get; }

    /// <summary>Returns a field's value, or null when it is missing.</summary>
    public object? this[string field] => Fields.TryGetValue(field, out var value) ? value : null;

    /// <summary>
    /// Why the source could not read this record (e.g. a malformed line in a file), or null for a record read
    /// properly. A source that finds an unreadable item in an otherwise good page yields it as a record with
    /// this set, with whatever it has of the raw item as fields (e.g. the line number and text), so that the
    /// item is counted as read and fails alone as a record error at step <c>source</c>; it never passes the
    /// steps or reaches the target.
    /// </summary>
    public ErrorClassification? ReadError { get; init; }

    /// <summary>
    /// Why this record must not be written, decided before the steps (e.g. "stale: changed at the source since the
    /// failure"), or null. Such a record counts as read and Ignored at step <c>source</c>.
    /// </summary>
    public string? IgnoreReason { get; init; }

    /// <summary>A copy whose fields can be changed without touching this one (the "before" snapshot stays intact).</summary>
    public Record Clone() => new(_keyValue, _key, Fields.Copy()) { ReadError = ReadError, IgnoreReason = IgnoreReason };

    /// <summary>A record the source could not read: it fails with <paramref name="error"/>; <paramref name="raw"/> is kept as its snapshot.</summary>
    public static Record Unreadable(ErrorClassification error, RecordFields raw, string? key = null) =>
        new(key, raw) { ReadError = error };
}
