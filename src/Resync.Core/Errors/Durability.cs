namespace Resync.Core.Errors;

/// <summary>Whether trying again a little later would likely help.</summary>
public enum Durability
{
    /// <summary>Short-lived: likely to go away if tried again later.</summary>
    Ephemeral,

    /// <summary>Comes from the data or the configuration: needs a fix.</summary>
    Durable,
}
