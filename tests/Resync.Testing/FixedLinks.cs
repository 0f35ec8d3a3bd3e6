using Resync.Core.Links;
using Resync.Core.Scheduling;

namespace Resync.Testing;

/// <summary>The set of links a scheduler under test looks at: the ones given, never changing.</summary>
public sealed class FixedLinks(params Link[] links) : ILinkSet
{
    public IReadOnlyCollection<Link> Links { get; } = links;
}
