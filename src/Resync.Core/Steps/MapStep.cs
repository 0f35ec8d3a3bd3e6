using Resync.Core.Sdk;

namespace Resync.Core.Steps;

/// <summary>
/// Builds the record anew from <c>to: from</c> pairs (copy or rename) and constants; fields not listed are
/// dropped. A <c>from</c> field the record does not have is left out (not set to null).
/// </summary>
public sealed class MapStep : IStep
{
    private readonly KeyValuePair<string, string>[] _fields;
    private readonly KeyValuePair<string, object?>[] _constants;

    /// <param name="name">The step's name in errors.</param>
    /// <param name="fields">Output field → input field, in output order.</param>
    /// <param name="constants">Output field → constant value (set after the fields).</param>
    public MapStep(string name, IEnumerable<KeyValuePair<string, string>> fields, IEnumerable<KeyValuePair<string, object?>>? constants = null)
    {
        Name = name;
        _fields = [.. fields];
        _constants = constants is null ? [] : [.. constants];
    }

    public string Name { get; }

    public StepResult Apply(StepContext context)
    {
        var source = context.Record.Fields;
        // Read everything first: 'a: b' and 'b: a' together swap the two fields.
        var values = new object?[_fields.Length];
        var present = new bool[_fields.Length];
        for (var i = 0; i < _fields.Length; i++)
            present[i] = source.TryGetValue(_fields[i].Value, out values[i]);
        source.Clear();
        for (var i = 0; i < _fields.Length; i++)
        {
            if (present[i])
                source[_fields[i].Key] = values[i];
        }
        foreach (var (field, value) in _constants)
            source[field] = value;
        return StepResult.Continue;
    }
}
