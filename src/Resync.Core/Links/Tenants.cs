namespace Resync.Core.Links;

/// <summary>Tenant names with a meaning of their own.</summary>
public static class Tenants
{
    /// <summary>The tenant of links in embedded mode when none is given.</summary>
    public const string Default = "default";
}
