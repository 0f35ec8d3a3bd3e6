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

    /// <summary>
    /// What fetches the batch's page again (null for a part of a batch written again, or one record of a sequential link).
    /// With <see cref="LinkId"/> and <see cref="RootRunId"/> it names the batch alike in its run, in a resume that fetches it
    /// again and in a worker it is delivered to again, so a target can recognise a batch it has written already.
    /// </summary>
    public string? Cursor { get; init; }

    /// <summary>
    /// True when an earlier attempt may have written this batch without its outcome being stored (a resume of a batch cut by a
    /// crash, a batch a worker died holding): a target that keeps a ledger of the batches it wrote looks it up before writing.
    /// False on a first attempt, which must not pay for the look-up.
    /// </summary>
    public bool MayBeWritten { get; init; }
}
