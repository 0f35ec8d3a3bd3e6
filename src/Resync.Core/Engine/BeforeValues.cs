using System.Buffers;
using Resync.Core.Records;

namespace Resync.Core.Engine;

/// <summary>
/// The values of the fields the steps may change, saved for each record of a batch before the steps change the records in
/// place, so that the "before" snapshot of a record that is kept can be rebuilt without copying every record. One pooled
/// array per batch; nothing per record.
/// </summary>
internal sealed class BeforeValues : IDisposable
{
    // Stands for a field the record did not have.
    private static readonly object Missing = new();
    private readonly string[] _fields;
    private readonly object?[] _values;
    // The place of each field in the schema of the last record saved (-1: not in it).
    private readonly int[] _slots;
    private FieldSchema? _schema;

    /// <param name="fields">The fields the steps may set or remove.</param>
    /// <param name="records">How many records the batch has.</param>
    public BeforeValues(string[] fields, int records)
    {
        _fields = fields;
        _values = ArrayPool<object?>.Shared.Rent(Math.Max(1, fields.Length * records));
        _slots = new int[fields.Length];
    }

    /// <summary>Saves the record's values of the fields, before the steps.</summary>
    public void Save(int position, RecordFields fields)
    {
        var at = position * _fields.Length;
        if (fields.Schema is { } schema)
        {
            // The records of a page share a schema: the fields' places in it are looked up once, not once per record.
            if (!ReferenceEquals(schema, _schema))
            {
                for (var i = 0; i < _fields.Length; i++)
                    _slots[i] = schema.IndexOf(_fields[i]);
                _schema = schema;
            }
            for (var i = 0; i < _fields.Length; i++)
                _values[at + i] = _slots[i] >= 0 ? fields.ValueAt(_slots[i]) : Missing;
            return;
        }
        for (var i = 0; i < _fields.Length; i++)
            _values[at + i] = fields.TryGetValue(_fields[i], out var value) ? value : Missing;
    }

    /// <summary>The record's values as they were before the steps: a copy of <paramref name="fields"/> with the saved values put back.</summary>
    public RecordFields Of(int position, RecordFields fields)
    {
        var before = fields.Copy();
        var at = position * _fields.Length;
        for (var i = 0; i < _fields.Length; i++)
        {
            if (ReferenceEquals(_values[at + i], Missing))
                before.Remove(_fields[i]);
            else
                before[_fields[i]] = _values[at + i];
        }
        return before;
    }

    public void Dispose() => ArrayPool<object?>.Shared.Return(_values, clearArray: true);
}
