namespace Resync.Server.Push;

/// <summary>How many of an asynchronous push's records stand where: the push is done when none is <see cref="Pending"/>.</summary>
public sealed record PushRecordCounts(int Records, int Pending, int Succeeded, int Failed, int Ignored, int Incomplete);
