namespace Resync.Server;

/// <summary>What an API key may see.</summary>
public enum ApiKeyScope
{
    /// <summary>Every tenant's links, runs and records, and the keys themselves.</summary>
    Operator,

    /// <summary>One tenant's links, runs, records, errors and incomplete runs only.</summary>
    Tenant,
}
