namespace Resync.Core.Engine;

/// <summary>
/// Creates dispatchers that hand a run's batches to workers in other processes (cluster mode). A worker processes a
/// batch with <see cref="RemoteBatch"/>, which stores its result; the dispatcher then passes the worker's report to
/// <c>reported</c> once per batch, however often the batch was delivered, and completes when every batch was reported.
/// </summary>
public interface IRemoteBatchDispatcherFactory : IBatchDispatcherFactory
{
    /// <summary>Creates the dispatcher of <paramref name="run"/>; at most <paramref name="parallelism"/> × the factory's window of batches wait unreported.</summary>
    IBatchDispatcher Create(RemoteRun run, int parallelism, Func<RemoteBatchReport, Task> reported);
}
