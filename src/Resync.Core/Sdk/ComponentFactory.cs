namespace Resync.Core.Sdk;

/// <summary>Builds a source, target or step from its validated section.</summary>
public delegate T ComponentFactory<out T>(ConfigSection config, ComponentContext context);
