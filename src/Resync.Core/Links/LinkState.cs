namespace Resync.Core.Links;

/// <summary>Whether a link runs.</summary>
public enum LinkState
{
    Active,

    /// <summary>Stopped, with a reason (backoff used up, too many errors in a row, or by a person).</summary>
    Deactivated,
}
