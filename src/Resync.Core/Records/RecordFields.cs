using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Resync.Core.Records;

/// <summary>
/// A record's field values by name (case-sensitive, ordinal), with a dictionary's behaviour: the fields in the order they
/// were added, a changed value keeps its place, a missing field reads as <see cref="KeyNotFoundException"/> from the indexer.
/// A record a source built from a page's shared <see cref="FieldSchema"/> holds only an array of values (a page of records
/// costs a fraction of a dictionary per record); adding a field moves it to a schema with that field (shared by the page's
/// records that add it), and removing one, or clearing, turns it into a dictionary of its own, so that the order of the
/// fields stays exactly a dictionary's. A <see cref="Dictionary{TKey,TValue}"/> converts implicitly (wrapped, not copied).
/// </summary>
public sealed class RecordFields : IDictionary<string, object?>, IReadOnlyDictionary<string, object?>
{
    // Exactly one of the two is in use: the schema (every field of it present, its value at its index), or the dictionary.
    private FieldSchema? _schema;
    private object?[] _values = [];
    private Dictionary<string, object?>? _dictionary;
    // Counts fields added, so that an enumeration over a schema's fields sees a change as a dictionary's would.
    private int _version;

    /// <summary>No fields (a dictionary of its own).</summary>
    public RecordFields() => _dictionary = [];

    /// <summary>Wraps <paramref name="dictionary"/> (not copied: changes to either are seen by both).</summary>
    public RecordFields(Dictionary<string, object?> dictionary)
    {
        ArgumentNullException.ThrowIfNull(dictionary);
        _dictionary = dictionary;
    }

    /// <summary>The fields of one record of a page: <paramref name="values"/>[i] is the value of <paramref name="schema"/>[i].</summary>
    /// <param name="schema">The page's field names, shared by its records.</param>
    /// <param name="values">This record's values, one per field of the schema; the array belongs to the record from now on.</param>
    public RecordFields(FieldSchema schema, object?[] values)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != schema.Count)
            throw new ArgumentException($"{values.Length} values for {schema.Count} fields", nameof(values));
        _schema = schema;
        _values = values;
    }

    /// <summary>Wraps <paramref name="dictionary"/> (not copied), so that a record can still be built from a dictionary.</summary>
    public static implicit operator RecordFields(Dictionary<string, object?> dictionary) => new(dictionary);

    /// <summary>How many fields.</summary>
    public int Count => _schema?.Count ?? _dictionary!.Count;

    /// <summary>
    /// The schema that holds the values, or null (a dictionary of its own). Records of one schema have exactly its fields, in
    /// its order: code that reads the same fields of many records can look each name up once per schema and read the values
    /// by <see cref="ValueAt"/>.
    /// </summary>
    public FieldSchema? Schema => _schema;

    /// <summary>The value of the field at <paramref name="index"/> of <see cref="Schema"/> (only while it is set).</summary>
    /// <exception cref="InvalidOperationException">The fields are a dictionary of their own.</exception>
    public object? ValueAt(int index) =>
        _schema is not null ? _values[index] : throw new InvalidOperationException("The fields have no schema: read them by name.");

    /// <summary>A field's value; reading a missing field throws <see cref="KeyNotFoundException"/>; setting one adds it last.</summary>
    public object? this[string key]
    {
        get => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The given key '{key}' was not present in the dictionary.");
        set
        {
            if (_schema is { } schema)
            {
                var index = schema.IndexOf(key);
                if (index >= 0)
                {
                    _values[index] = value;
                    return;
                }
                if (schema.With(key) is { } wider)
                {
                    var values = new object?[wider.Count];
                    Array.Copy(_values, values, _values.Length);
                    values[^1] = value;
                    _schema = wider;
                    _values = values;
                    _version++;
                    return;
                }
                ToDictionary(extra: 1);
            }
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_dictionary!, key, out var existed);
            slot = value;
            if (!existed)
                _version++;
        }
    }

    /// <summary>The field names, in order (a copy).</summary>
    public ICollection<string> Keys
    {
        get
        {
            var keys = new string[Count];
            var i = 0;
            foreach (var (key, _) in this)
                keys[i++] = key;
            return keys;
        }
    }

    /// <summary>The values, in the order of the fields (a copy).</summary>
    public ICollection<object?> Values
    {
        get
        {
            var values = new object?[Count];
            var i = 0;
            foreach (var (_, value) in this)
                values[i++] = value;
            return values;
        }
    }

    IEnumerable<string> IReadOnlyDictionary<string, object?>.Keys => Keys;

    IEnumerable<object?> IReadOnlyDictionary<string, object?>.Values => Values;

    bool ICollection<KeyValuePair<string, object?>>.IsReadOnly => false;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        if (_schema is { } schema)
        {
            var index = schema.IndexOf(key);
            if (index >= 0)
            {
                value = _values[index];
                return true;
            }
            value = null;
            return false;
        }
        return _dictionary!.TryGetValue(key, out value);
    }

    public bool ContainsKey(string key) => _schema is { } schema ? schema.IndexOf(key) >= 0 : _dictionary!.ContainsKey(key);

    /// <summary>Adds a field; throws <see cref="ArgumentException"/> when the record has it already.</summary>
    public void Add(string key, object? value)
    {
        if (!TryAdd(key, value))
            throw new ArgumentException($"An item with the same key has already been added. Key: {key}", nameof(key));
    }

    /// <summary>Adds a field unless the record has it; returns whether it was added.</summary>
    public bool TryAdd(string key, object? value)
    {
        if (ContainsKey(key))
            return false;
        this[key] = value;
        return true;
    }

    public bool Remove(string key) => Remove(key, out _);

    /// <summary>Removes a field, giving its value; returns whether the record had it.</summary>
    public bool Remove(string key, [MaybeNullWhen(false)] out object? value)
    {
        if (_schema is { } schema)
        {
            if (schema.IndexOf(key) < 0)
            {
                value = null;
                return false;
            }
            ToDictionary(extra: 0);
        }
        return _dictionary!.Remove(key, out value);
    }

    public void Clear()
    {
        if (_schema is not null)
            ToDictionary(extra: 0);
        _dictionary!.Clear();
    }

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<KeyValuePair<string, object?>> IEnumerable<KeyValuePair<string, object?>>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    void ICollection<KeyValuePair<string, object?>>.Add(KeyValuePair<string, object?> item) => Add(item.Key, item.Value);

    bool ICollection<KeyValuePair<string, object?>>.Contains(KeyValuePair<string, object?> item) =>
        TryGetValue(item.Key, out var value) && EqualityComparer<object?>.Default.Equals(value, item.Value);

    void ICollection<KeyValuePair<string, object?>>.CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentOutOfRangeException.ThrowIfNegative(arrayIndex);
        if (array.Length - arrayIndex < Count)
            throw new ArgumentException("The destination array is too short.", nameof(array));
        foreach (var field in this)
            array[arrayIndex++] = field;
    }

    bool ICollection<KeyValuePair<string, object?>>.Remove(KeyValuePair<string, object?> item) =>
        ((ICollection<KeyValuePair<string, object?>>)this).Contains(item) && Remove(item.Key);

    /// <summary>A copy whose fields can be changed without touching these.</summary>
    internal RecordFields Copy() =>
        _schema is { } schema ? new RecordFields(schema, (object?[])_values.Clone()) : new RecordFields(new Dictionary<string, object?>(_dictionary!, _dictionary!.Comparer));

    // From the schema's array to a dictionary of its own, the fields in the same order (with room for more).
    private void ToDictionary(int extra)
    {
        var schema = _schema!;
        var dictionary = new Dictionary<string, object?>(schema.Count + extra);
        for (var i = 0; i < schema.Count; i++)
            dictionary.Add(schema[i], _values[i]);
        _dictionary = dictionary;
        _schema = null;
        _values = [];
    }

    /// <summary>Enumerates the fields in order, without allocating.</summary>
    public struct Enumerator : IEnumerator<KeyValuePair<string, object?>>
    {
        private readonly RecordFields _fields;
        // Over a schema: the schema the enumeration started with, and the fields added since (a change that ends it).
        private readonly FieldSchema? _schema;
        private readonly int _version;
        private Dictionary<string, object?>.Enumerator _inner;
        private int _index;

        internal Enumerator(RecordFields fields)
        {
            _fields = fields;
            _schema = fields._schema;
            _version = fields._version;
            _inner = fields._dictionary is { } dictionary ? dictionary.GetEnumerator() : default;
            _index = -1;
            Current = default;
        }

        public KeyValuePair<string, object?> Current { get; private set; }

        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            if (_schema is null)
            {
                if (!_inner.MoveNext())
                    return false;
                Current = _inner.Current;
                return true;
            }
            if (_fields._version != _version)
                throw new InvalidOperationException("Collection was modified; enumeration operation may not execute.");
            while (++_index < _schema.Count)
            {
                // Still over the schema: the value in place. Turned into a dictionary since (a field removed, as a dictionary
                // allows while enumerating): the fields it still has.
                if (ReferenceEquals(_fields._schema, _schema))
                {
                    Current = new KeyValuePair<string, object?>(_schema[_index], _fields._values[_index]);
                    return true;
                }
                if (_fields.TryGetValue(_schema[_index], out var value))
                {
                    Current = new KeyValuePair<string, object?>(_schema[_index], value);
                    return true;
                }
            }
            Current = default;
            return false;
        }

        public void Reset() => throw new NotSupportedException();

        public readonly void Dispose()
        {
        }
    }
}
