using Resync.Core.Links;

namespace Resync.Core.Scheduling;

/// <summary>The links a scheduler looks after (e.g. the link files of a folder, reloaded when they change).</summary>
public interface ILinkSet
{
    /// <summary>The current links.</summary>
    IReadOnlyCollection<Link> Links { get; }
}
