using Resync.Core.Links;

namespace Resync.LinkFiles;

/// <summary>A loaded link, or every problem found in its file.</summary>
public sealed record LinkFileResult(Link? Link, IReadOnlyList<LinkFileProblem> Problems)
{
    public bool Succeeded => Link is not null && Problems.Count == 0;
}
