namespace Resync.Core.Sdk;

/// <summary>A kind of source, target or step that link files can name: its keys and how to build it.</summary>
public sealed record ComponentDescriptor<T>(string Name, string Description, ConfigSchema Schema, ComponentFactory<T> Create);
