using Resync.Core.Errors;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Benchmarks;

/// <summary>A run store that keeps nothing: the engine's ceiling without any state I/O, for comparison only.</summary>
internal sealed class NullRunStore : IRunStore
{
    private long _nextRunId;

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<long>> RecoverInterruptedRunsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<long>>([]);

    public Task EnsureLinkAsync(string linkId, string tenant, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<long> CreateRunAsync(NewRun run, CancellationToken cancellationToken) => Task.FromResult(Interlocked.Increment(ref _nextRunId));

    public Task BatchStartedAsync(long runId, int batchNumber, string? cursor, int recordCount, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task BatchFinishedAsync(BatchResult result, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RunFinishedAsync(long runId, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task RunFinishedWithLastBatchAsync(BatchResult lastBatch, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt,
        CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<string?> GetWatermarkAsync(string linkId, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}
