namespace Resync.Core.Records;

/// <summary>
/// The field names, in order, that records of one page share: a source that reads many records with the same fields
/// (a page of a JSON API, a CSV file) builds one schema and gives each record only an array of values
/// (<see cref="RecordFields(FieldSchema, object?[])"/>), instead of a dictionary of its own per record.
/// Immutable and safe to share between threads.
/// </summary>
public sealed class FieldSchema
{
    // A step that adds a field to every record of a page (set, convert into a new field) extends the page's schema once:
    // the extensions are kept here, a few at most, so that records stay arrays; past that, a record becomes a dictionary.
    private const int MaxExtensions = 4;
    private const int MaxFields = 256;

    private readonly string[] _names;
    private readonly Dictionary<string, int> _index;
    private Extension[] _extensions = [];

    /// <param name="names">The field names, in order; each once (ordinal).</param>
    /// <exception cref="ArgumentException">A name is null or appears twice.</exception>
    public FieldSchema(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = [.. names];
        _index = new Dictionary<string, int>(_names.Length, StringComparer.Ordinal);
        for (var i = 0; i < _names.Length; i++)
        {
            if (_names[i] is null)
                throw new ArgumentException($"field name {i} is null", nameof(names));
            if (!_index.TryAdd(_names[i], i))
                throw new ArgumentException($"field '{_names[i]}' appears twice", nameof(names));
        }
    }

    /// <summary>How many fields.</summary>
    public int Count => _names.Length;

    /// <summary>The name of the field at <paramref name="index"/>.</summary>
    public string this[int index] => _names[index];

    /// <summary>The position of <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name) => _index.TryGetValue(name, out var index) ? index : -1;

    /// <summary>This schema with <paramref name="name"/> (not in it) added last, shared by every record that adds it; null when too many differ.</summary>
    internal FieldSchema? With(string name)
    {
        var extensions = Volatile.Read(ref _extensions);
        foreach (var extension in extensions)
        {
            if (string.Equals(extension.Name, name, StringComparison.Ordinal))
                return extension.Schema;
        }
        if (extensions.Length >= MaxExtensions || _names.Length >= MaxFields)
            return null;
        var schema = new FieldSchema([.. _names, name]);
        // Lost to another thread adding one at the same moment: this record keeps its own, the next finds the other's.
        Interlocked.CompareExchange(ref _extensions, [.. extensions, new Extension(name, schema)], extensions);
        return schema;
    }

    private sealed record Extension(string Name, FieldSchema Schema);
}
