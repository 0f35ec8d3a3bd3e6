namespace Resync.Server.Composite;

/// <summary>The answer to a processed composite call (batch, tree or composite): one result per subrequest (tree: see docs).</summary>
/// <param name="HasErrors">True when any subrequest or record failed.</param>
/// <param name="RunId">The call's run (kind Push): of the pseudo-link <c>_composite</c> for batch and composite calls, of the link for a tree.</param>
/// <param name="Results">The results, in request order.</param>
public sealed record CompositeAnswer(bool HasErrors, long RunId, IReadOnlyList<CompositeResult> Results);
