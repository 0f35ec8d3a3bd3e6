namespace Resync.Server.Composite;

/// <summary>The answer to a processed composite call (batch, tree or composite): one result per subrequest (tree: see docs).</summary>
/// <param name="HasErrors">True when any subrequest or record failed.</param>
/// <param name="RunIds">The runs (kind Push) that carried the call's record operations, in order.</param>
/// <param name="Results">The results, in request order.</param>
public sealed record CompositeAnswer(bool HasErrors, IReadOnlyList<long> RunIds, IReadOnlyList<CompositeResult> Results);
