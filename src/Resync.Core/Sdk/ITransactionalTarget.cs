namespace Resync.Core.Sdk;

/// <summary>
/// A target that can write each batch all or none, in one transaction, when configured so. Calls that promise all or
/// none (a composite tree, an allOrNone composite call) ask it of the built target rather than of the link's text.
/// </summary>
public interface ITransactionalTarget : ITarget
{
    /// <summary>True when a batch is one transaction: if any record of it fails, none is written.</summary>
    bool IsTransactional { get; }
}
