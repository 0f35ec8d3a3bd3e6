namespace Resync.Core.Links;

/// <summary>Which records keep a before/after snapshot.</summary>
public enum LoggingLevel
{
    /// <summary>No snapshots: single records cannot be retried.</summary>
    None,

    /// <summary>Snapshots of failing records (the default).</summary>
    Errors,

    /// <summary>Snapshots of every record.</summary>
    All,
}
