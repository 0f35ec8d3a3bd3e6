using System.Collections.Concurrent;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Storage;

namespace Resync.Server.Runs;

/// <summary>
/// Every run the server starts (scheduled, manual, push) starts here: one place that owns the runs in flight, their
/// live progress, the rule that a link's scheduled/manual runs never overlap, and shutdown. On stop, runs in flight are
/// cancelled: they finish the batches under way and end Interrupted, so none is left Running.
/// </summary>
public sealed class RunLauncher(IRunStore store, TimeProvider clock, ILogger<RunLauncher> logger) : IHostedService
{
    private readonly ConcurrentDictionary<long, ActiveRun> _active = new();
    private readonly ConcurrentDictionary<string, byte> _exclusive = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The run if it is going (started by this process), else null.</summary>
    public ActiveRun? Find(long runId) => _active.TryGetValue(runId, out var run) ? run : null;

    /// <summary>Whether a scheduled or manual run of the link is going.</summary>
    public bool IsRunning(string linkId) => _exclusive.ContainsKey(linkId);

    /// <summary>Starts a run (pushes: any number at once); returns once the run exists in the store, with its id.</summary>
    public Task<ActiveRun> StartAsync(Link link, RunRequest request, CancellationToken cancellationToken) => LaunchAsync(link, request, null, cancellationToken);

    /// <summary>Starts a run unless one of the link's scheduled/manual runs is still going; then returns null.</summary>
    public async Task<ActiveRun?> TryStartExclusiveAsync(Link link, RunRequest request, CancellationToken cancellationToken)
    {
        if (!_exclusive.TryAdd(link.Id, 0))
            return null;
        try
        {
            return await LaunchAsync(link, request, () => _exclusive.TryRemove(link.Id, out _), cancellationToken);
        }
        catch
        {
            _exclusive.TryRemove(link.Id, out _);
            throw;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        var going = _active.Values.Select(run => (Task)run.Completion).ToArray();
        if (going.Length > 0)
            logger.LogInformation("Stopping: {Count} runs finish their current batches", going.Length);
        try
        {
            await Task.WhenAll(going).WaitAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Their failures are in the store already.
        }
    }

    private async Task<ActiveRun> LaunchAsync(Link link, RunRequest request, Action? ended, CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested)
            throw new InvalidOperationException("The server is stopping; no run starts now.");
        var started = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new RunProgress();
        // The one place that names the runner: the recovery-aware runner replaces RunEngine here.
        var runner = new RunEngine(new StartSignallingRunStore(store, started), clock);
        var completion = Task.Run(() => runner.RunAsync(link, request, progress, _stopping.Token), CancellationToken.None);
        var first = await Task.WhenAny(started.Task, completion).WaitAsync(cancellationToken);
        if (first == completion && !started.Task.IsCompleted)
        {
            ended?.Invoke();
            await completion; // throws what kept the run from starting
            throw new InvalidOperationException($"Link '{link.Id}' ended without opening a run.");
        }
        var runId = await started.Task;
        var active = new ActiveRun(runId, link.Id, progress, completion);
        _active[runId] = active;
        _ = completion.ContinueWith(task =>
        {
            _active.TryRemove(runId, out _);
            ended?.Invoke();
            if (task.IsFaulted)
                logger.LogError(task.Exception, "Run {RunId} of link {LinkId} failed in the runner", runId, link.Id);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return active;
    }
}
