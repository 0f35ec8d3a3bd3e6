namespace Resync.Core.Engine;

/// <summary>Creates the dispatcher of one run, bound to the function that processes a batch.</summary>
public interface IBatchDispatcherFactory
{
    /// <summary>Creates a dispatcher that runs <paramref name="process"/> for at most <paramref name="parallelism"/> batches at once.</summary>
    IBatchDispatcher Create(int parallelism, Func<BatchWork, Task> process);
}
