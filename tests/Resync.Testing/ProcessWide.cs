namespace Resync.Testing;

/// <summary>
/// One instance of a server for the whole test process: started on first use (again if that start failed) and stopped
/// when the process exits, so that the test projects sharing it do not each pay its start-up.
/// </summary>
public sealed class ProcessWide<T>(Func<Task<T>> start, Action<T> stop)
    where T : class
{
    private readonly Lock _lock = new();
    private Task<T>? _instance;

    public Task<T> GetAsync()
    {
        lock (_lock)
        {
            if (_instance is null || _instance.IsFaulted || _instance.IsCanceled)
            {
                _instance = Task.Run(start);
                _instance.ContinueWith(started => AppDomain.CurrentDomain.ProcessExit += (_, _) => stop(started.Result),
                    CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            }
            return _instance;
        }
    }
}
