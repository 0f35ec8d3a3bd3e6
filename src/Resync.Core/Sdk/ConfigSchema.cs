namespace Resync.Core.Sdk;

/// <summary>The keys a link-file section allows. Used to validate and to generate the reference documentation.</summary>
public sealed class ConfigSchema
{
    private readonly Dictionary<string, KeySpec> _byName;

    public ConfigSchema(params KeySpec[] keys)
    {
        Keys = keys;
        _byName = keys.ToDictionary(key => key.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<KeySpec> Keys { get; }

    public KeySpec? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>A schema with these keys added (e.g. a component's keys after <c>type</c>).</summary>
    public ConfigSchema With(params KeySpec[] more) => new([.. Keys, .. more]);
}
