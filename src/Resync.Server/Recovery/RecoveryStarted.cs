namespace Resync.Server.Recovery;

/// <summary>The answer to a retry (Retry Failures, an error group, an incomplete run): the new run, its parent, and where to follow it.</summary>
/// <param name="RunId">The new run (kind Retry, or Resume for an incomplete run).</param>
/// <param name="ParentRunId">The run whose failures (or remainder) it carries.</param>
/// <param name="Status">Running.</param>
/// <param name="Plan">What it carries (null for incomplete runs).</param>
/// <param name="Definition">Which definition of the link it runs with, and what changed since the parent ran.</param>
public sealed record RecoveryStarted(long RunId, long ParentRunId, string Kind, string Status, RetryPlanDocument? Plan, string StatusUrl, string EventsUrl, string ParentUrl,
    DefinitionUsedDocument? Definition = null);
