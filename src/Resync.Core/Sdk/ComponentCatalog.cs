using Resync.Core.Sdk;

namespace Resync.Core.Sdk;

/// <summary>
/// The sources, targets and steps link files can name. Built-ins are registered by their projects;
/// C# users add their own with <see cref="AddSource"/>, <see cref="AddTarget"/> and <see cref="AddStep"/>.
/// </summary>
public sealed class ComponentCatalog
{
    private readonly Dictionary<string, ComponentDescriptor<ISource>> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ComponentDescriptor<ITarget>> _targets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ComponentDescriptor<IStep>> _steps = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, ComponentDescriptor<ISource>> Sources => _sources;

    public IReadOnlyDictionary<string, ComponentDescriptor<ITarget>> Targets => _targets;

    public IReadOnlyDictionary<string, ComponentDescriptor<IStep>> Steps => _steps;

    public ComponentCatalog AddSource(string type, string description, ConfigSchema schema, ComponentFactory<ISource> create) =>
        Add(_sources, type, new ComponentDescriptor<ISource>(type, description, schema, create));

    public ComponentCatalog AddTarget(string type, string description, ConfigSchema schema, ComponentFactory<ITarget> create) =>
        Add(_targets, type, new ComponentDescriptor<ITarget>(type, description, schema, create));

    public ComponentCatalog AddStep(string kind, string description, ConfigSchema schema, ComponentFactory<IStep> create) =>
        Add(_steps, kind, new ComponentDescriptor<IStep>(kind, description, schema, create));

    private ComponentCatalog Add<T>(Dictionary<string, ComponentDescriptor<T>> registry, string name, ComponentDescriptor<T> descriptor)
    {
        if (!registry.TryAdd(name, descriptor))
            throw new ArgumentException($"'{name}' is registered already.", nameof(name));
        return this;
    }
}
