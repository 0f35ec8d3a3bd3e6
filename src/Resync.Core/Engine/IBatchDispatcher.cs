namespace Resync.Core.Engine;

/// <summary>
/// Hands a run's batches to workers. The in-process dispatcher runs them on this process's thread pool;
/// a message broker can replace it (cluster mode) without the engine changing.
/// </summary>
public interface IBatchDispatcher : IAsyncDisposable
{
    /// <summary>Queues a batch; waits while the dispatcher is at capacity, so memory stays bounded.</summary>
    ValueTask DispatchAsync(BatchWork work, CancellationToken cancellationToken);

    /// <summary>Says no more batches come, and waits until every queued batch has been processed.</summary>
    Task CompleteAsync();
}
