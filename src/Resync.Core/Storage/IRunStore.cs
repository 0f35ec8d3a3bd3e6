using Resync.Core.Errors;
using Resync.Core.Runs;

namespace Resync.Core.Storage;

/// <summary>
/// The write side of run state. State is written as the run progresses, so that a process that dies
/// mid-run leaves a run that the next start can mark Interrupted with every record read accounted for.
/// </summary>
public interface IRunStore
{
    /// <summary>Creates or migrates the schema.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Marks runs whose process died as Interrupted (and their processing batches too); returns their ids.</summary>
    Task<IReadOnlyList<long>> RecoverInterruptedRunsAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Registers the link (or updates its tenant) so runs can refer to it.</summary>
    Task EnsureLinkAsync(string linkId, string tenant, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a run in state Running; returns its id. Registers its link (or updates its tenant) in the same write, as
    /// <see cref="EnsureLinkAsync"/> does, and notes <see cref="NewRun.FirstBatch"/> started as <see cref="BatchStartedAsync(long, int, string?, int, DateTimeOffset, CancellationToken)"/>
    /// would (batch 1): a run's start is one commit.
    /// </summary>
    Task<long> CreateRunAsync(NewRun run, CancellationToken cancellationToken);

    /// <summary>
    /// Notes that a batch was read and is being processed. Noted again while still processing, it is counted once; but a batch
    /// first noted with no records (a page still coming, whose place is kept) takes the count it is noted again with.
    /// </summary>
    Task BatchStartedAsync(long runId, int batchNumber, string? cursor, int recordCount, DateTimeOffset startedAt, CancellationToken cancellationToken);

    /// <summary>
    /// Notes a batch's start with the highest change marker of its page (<see cref="BatchResult.Watermark"/>), so that after a crash
    /// the store still knows how far the run had read (<see cref="CrashWatermark"/>). A store that keeps no watermark notes the start alone.
    /// </summary>
    Task BatchStartedAsync(long runId, int batchNumber, string? cursor, int recordCount, string? watermark, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        BatchStartedAsync(runId, batchNumber, cursor, recordCount, startedAt, cancellationToken);

    /// <summary>Stores a batch's result and adds its counts to the run, atomically.</summary>
    Task BatchFinishedAsync(BatchResult result, CancellationToken cancellationToken);

    /// <summary>
    /// Notes a batch's start as <see cref="BatchStartedAsync(long, int, string?, int, string?, DateTimeOffset, CancellationToken)"/>
    /// does, but the store may hold the write to commit it with later ones (a run's batch starts and results then share
    /// commits): at the latest once <see cref="CommitHeldWrites"/> is called, or after a short while. The task completes once
    /// the write is durable; a store that holds nothing commits it at once. The engine asks for a held write right after this
    /// returns: a store (or a store wrapping another) must have queued the write by then, and one that passes these writes on
    /// must pass <see cref="CommitHeldWrites"/> on too.
    /// </summary>
    Task BatchStartedHeldAsync(long runId, int batchNumber, string? cursor, int recordCount, string? watermark, DateTimeOffset startedAt,
        CancellationToken cancellationToken) =>
        BatchStartedAsync(runId, batchNumber, cursor, recordCount, watermark, startedAt, cancellationToken);

    /// <summary>Stores a batch's result as <see cref="BatchFinishedAsync"/> does, but the store may hold the write as <see cref="BatchStartedHeldAsync"/> says.</summary>
    Task BatchFinishedHeldAsync(BatchResult result, CancellationToken cancellationToken) => BatchFinishedAsync(result, cancellationToken);

    /// <summary>Asks the store to commit the writes it holds now (<see cref="BatchStartedHeldAsync"/>) instead of waiting for more.</summary>
    void CommitHeldWrites()
    {
    }

    /// <summary>
    /// Asks as <see cref="CommitHeldWrites"/> does, but only if the store is not committing now: the writes it holds then
    /// commit while it has nothing else to do, and a store that is busy is not asked for a commit more. Nothing by default.
    /// </summary>
    void CommitHeldWritesWhenIdle()
    {
    }

    /// <summary>Ends a run; moves the link's watermark when one is given.</summary>
    Task RunFinishedAsync(long runId, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt, CancellationToken cancellationToken);

    /// <summary>
    /// Stores the run's last batch result and ends the run, atomically: <see cref="BatchFinishedAsync"/> then
    /// <see cref="RunFinishedAsync"/> in one write. A run of one batch (a push) thus commits twice, not three times, on a path
    /// (a synchronous push) whose answer waits for each commit. When it fails, neither is kept.
    /// </summary>
    Task RunFinishedWithLastBatchAsync(BatchResult lastBatch, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt,
        CancellationToken cancellationToken);

    /// <summary>The link's last successful sync point, or null before its first successful run.</summary>
    Task<string?> GetWatermarkAsync(string linkId, CancellationToken cancellationToken);
}
