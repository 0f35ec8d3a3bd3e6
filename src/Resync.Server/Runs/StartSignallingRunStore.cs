using Resync.Core.Errors;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Server.Runs;

/// <summary>
/// The run store as seen by one launched run: everything passes through, and the id of the first run it opens is
/// handed to <paramref name="started"/>, so the launcher can answer with the run id as soon as the run exists;
/// <paramref name="ended"/> is set once that run's end is stored (before the replays that may follow it).
/// </summary>
internal sealed class StartSignallingRunStore(IRunStore inner, TaskCompletionSource<long> started, TaskCompletionSource ended) : IRunStore
{
    public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public Task<IReadOnlyList<long>> RecoverInterruptedRunsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.RecoverInterruptedRunsAsync(now, cancellationToken);

    public Task EnsureLinkAsync(string linkId, string tenant, CancellationToken cancellationToken) => inner.EnsureLinkAsync(linkId, tenant, cancellationToken);

    public async Task<long> CreateRunAsync(NewRun run, CancellationToken cancellationToken)
    {
        var id = await inner.CreateRunAsync(run, cancellationToken);
        started.TrySetResult(id);
        return id;
    }

    public Task BatchStartedAsync(long runId, int batchNumber, string? cursor, int recordCount, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        inner.BatchStartedAsync(runId, batchNumber, cursor, recordCount, startedAt, cancellationToken);

    public Task BatchStartedAsync(long runId, int batchNumber, string? cursor, int recordCount, string? watermark, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        inner.BatchStartedAsync(runId, batchNumber, cursor, recordCount, watermark, startedAt, cancellationToken);

    public Task BatchFinishedAsync(BatchResult result, CancellationToken cancellationToken) => inner.BatchFinishedAsync(result, cancellationToken);

    public Task BatchStartedHeldAsync(long runId, int batchNumber, string? cursor, int recordCount, string? watermark, DateTimeOffset startedAt,
        CancellationToken cancellationToken) =>
        inner.BatchStartedHeldAsync(runId, batchNumber, cursor, recordCount, watermark, startedAt, cancellationToken);

    public Task BatchFinishedHeldAsync(BatchResult result, CancellationToken cancellationToken) => inner.BatchFinishedHeldAsync(result, cancellationToken);

    public void CommitHeldWrites() => inner.CommitHeldWrites();

    public void CommitHeldWritesWhenIdle() => inner.CommitHeldWritesWhenIdle();

    public async Task RunFinishedAsync(long runId, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt, CancellationToken cancellationToken)
    {
        await inner.RunFinishedAsync(runId, status, systemError, newWatermark, endedAt, cancellationToken);
        Ended(runId);
    }

    public async Task RunFinishedWithLastBatchAsync(BatchResult lastBatch, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt,
        CancellationToken cancellationToken)
    {
        await inner.RunFinishedWithLastBatchAsync(lastBatch, status, systemError, newWatermark, endedAt, cancellationToken);
        Ended(lastBatch.RunId);
    }

    private void Ended(long runId)
    {
        if (started.Task.IsCompletedSuccessfully && started.Task.Result == runId)
            ended.TrySetResult();
    }

    public Task<string?> GetWatermarkAsync(string linkId, CancellationToken cancellationToken) => inner.GetWatermarkAsync(linkId, cancellationToken);
}
