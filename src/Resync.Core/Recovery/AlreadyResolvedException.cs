namespace Resync.Core.Recovery;

/// <summary>Thrown when Retry Failures is asked of a run whose chain has resolved, without force; the message names the run that resolved it.</summary>
public sealed class AlreadyResolvedException(string message, long resolvedByRunId) : InvalidOperationException(message)
{
    public long ResolvedByRunId { get; } = resolvedByRunId;
}
