namespace Resync.Core.Recovery;

/// <summary>Thrown when a retry is asked of a run that has nothing that can be retried; the message says why.</summary>
public sealed class NothingToRetryException(string message) : InvalidOperationException(message);
