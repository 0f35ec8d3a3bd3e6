using Resync.Core.Records;

namespace Resync.Core.Sdk;

/// <summary>The records of one batch that passed every step, in batch order.</summary>
/// <param name="LinkId">The link.</param>
/// <param name="RunId">The run.</param>
/// <param name="BatchNumber">The batch's number in its run (1-based).</param>
/// <param name="Records">The records to write.</param>
public sealed record TargetBatch(string LinkId, long RunId, int BatchNumber, IReadOnlyList<Record> Records)
{
    /// <summary>
    /// The first run of the run's recovery chain (the run itself when it recovers nothing): the same for a record in its
    /// run, that run's retries and the resumes of its remainder, so a target can derive a write's idempotency key from it.
    /// </summary>
    public long RootRunId { get; init; } = RunId;
}
