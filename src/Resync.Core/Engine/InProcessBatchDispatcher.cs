using System.Threading.Channels;

namespace Resync.Core.Engine;

/// <summary>Runs batches on this process: a bounded channel feeding a fixed number of workers.</summary>
public sealed class InProcessBatchDispatcher : IBatchDispatcher
{
    private readonly Channel<BatchWork> _queue;
    private readonly Task[] _workers;

    public InProcessBatchDispatcher(int parallelism, Func<BatchWork, Task> process)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        // Capacity = 2 × parallelism: at most 3 × parallelism batches are in memory at once, however large the run. Two per worker,
        // not one: a batch then waits in the queue long enough for its start to be committed (with the starts queued beside it)
        // before a worker takes it; with one, about 30 % of the batches' workers waited for their start's commit (pipeline benchmark).
        _queue = Channel.CreateBounded<BatchWork>(new BoundedChannelOptions(2 * parallelism)
        {
            SingleWriter = true,
            SingleReader = parallelism == 1,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _workers = new Task[parallelism];
        for (var i = 0; i < parallelism; i++)
            _workers[i] = Task.Run(() => WorkAsync(process));
    }

    /// <summary>The factory for in-process dispatchers (embedded mode).</summary>
    public static IBatchDispatcherFactory Factory { get; } = new InProcessFactory();

    public ValueTask DispatchAsync(BatchWork work, CancellationToken cancellationToken) =>
        _queue.Writer.WriteAsync(work, cancellationToken);

    public async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers);
    }

    public async ValueTask DisposeAsync() => await CompleteAsync();

    private async Task WorkAsync(Func<BatchWork, Task> process)
    {
        await foreach (var work in _queue.Reader.ReadAllAsync())
            await process(work);
    }

    private sealed class InProcessFactory : IBatchDispatcherFactory
    {
        public IBatchDispatcher Create(int parallelism, Func<BatchWork, Task> process) => new InProcessBatchDispatcher(parallelism, process);
    }
}
