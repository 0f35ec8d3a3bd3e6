using System.Collections.Concurrent;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Recovery;
using Resync.Core.Runs;
using Resync.Core.Scheduling;
using Resync.Core.Storage;

namespace Resync.Server.Runs;

/// <summary>
/// Every run the API starts (manual, push, Retry Failures, incomplete-run retries) starts here, through the core
/// <see cref="LinkRunner"/>, so each gets automated replay, parking of an incomplete remainder and link health. One
/// place owns the runs in flight and their live progress, the rule that a link's runs never overlap (shared with the
/// scheduler through <see cref="LinkRunGate"/>; pushes are exempt) and shutdown: as soon as the host is stopping (before
/// the web server waits for the requests in flight, so a synchronous push gets its answer), runs in flight are cancelled,
/// finish the batches under way, park their remainder and end Interrupted, so none is left Running.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "_stopping has no timer and no linked tokens, so it holds nothing to release; disposed, it would make a late ApplicationStopping callback throw.")]
public sealed class RunLauncher(IRunStore store, IRunQueries queries, IRecoveryStore recovery, LinkRunGate gate, TimeProvider clock,
    ILogger<RunLauncher> logger, IAlertSink? alerts = null, IHostApplicationLifetime? lifetime = null, IBatchDispatcherFactory? dispatchers = null) : IHostedService
{
    private readonly ConcurrentDictionary<long, ActiveRun> _active = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>A recovery or run operation on a runner whose first run signals its id.</summary>
    public delegate Task<RunResult> RunWork(LinkRunner runner, RunProgress progress, CancellationToken cancellationToken);

    /// <summary>The run if it is going (started by this process through the API), else null.</summary>
    public ActiveRun? Find(long runId) => _active.TryGetValue(runId, out var run) ? run : null;

    /// <summary>Whether a run of the link is going (started by the API or the scheduler); pushes do not count.</summary>
    public bool IsRunning(string linkId) => gate.IsBusy(linkId);

    /// <summary>A runner for actions that start no run (editing and discarding incomplete runs, planning a retry).</summary>
    public LinkRunner Runner { get; } = new(store, queries, recovery, clock, alerts, events: logger);

    /// <summary>Where the catalogue's events of the runs and actions started here go (<see cref="Core.Observability.ResyncEvents"/>).</summary>
    public ILogger Events => logger;

    /// <summary>
    /// Raised after each run started here has ended (pushes included), once it has parked its remainder, with how it ended (null
    /// when its work threw): the scheduler looks again then, so that a remainder is retried at its <c>nextAttemptAt</c> whatever
    /// parked it.
    /// </summary>
    public event Action<RunResult?>? RunEnded;

    /// <summary>Cancelled when the server stops.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Starts a run of a push (any number at once); returns once the run exists in the store, with its id.</summary>
    public Task<ActiveRun> StartAsync(Link link, RunRequest request, CancellationToken cancellationToken) =>
        LaunchAsync(link, Fresh(link, request), null, cancellationToken);

    /// <summary>Starts a run unless one of the link's runs is going; then returns null.</summary>
    public Task<ActiveRun?> TryStartExclusiveAsync(Link link, RunRequest request, CancellationToken cancellationToken) =>
        TryStartExclusiveAsync(link, Fresh(link, request), cancellationToken);

    /// <summary>
    /// Starts a recovery (or any run) unless one of the link's runs is going; then returns null. What keeps the work
    /// from opening a run (e.g. <see cref="NothingToRetryException"/>) is thrown here.
    /// </summary>
    public async Task<ActiveRun?> TryStartExclusiveAsync(Link link, RunWork work, CancellationToken cancellationToken)
    {
        if (!gate.TryEnter(link.Id))
            return null;
        var entered = true;
        try
        {
            var run = await LaunchAsync(link, work, () => gate.Exit(link.Id), cancellationToken);
            entered = false;
            return run;
        }
        finally
        {
            if (entered)
                gate.Exit(link.Id);
        }
    }

    /// <summary>
    /// Runs the works one after another in the background, each as soon as its link is free (bulk retries); stops at
    /// shutdown. Failures are logged; each work's outcome is in the store.
    /// </summary>
    public void RunInTurn(IReadOnlyList<(Link Link, RunWork Work)> works)
    {
        if (works.Count == 0)
            return;
        _ = Task.Run(async () =>
        {
            foreach (var (link, work) in works)
            {
                try
                {
                    ActiveRun? run;
                    while ((run = await TryStartExclusiveAsync(link, work, _stopping.Token)) is null)
                        await gate.WhenFreeAsync(link.Id, _stopping.Token);
                    await run.Completion;
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (InvalidOperationException) when (_stopping.IsCancellationRequested)
                {
                    return; // the server is stopping
                }
                catch (Exception exception)
                {
                    ServerLog.BulkRetryNotRun(logger, exception, link.Id, exception.Message);
                }
            }
        }, CancellationToken.None);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime?.ApplicationStopping.Register(_stopping.Cancel);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        var going = _active.Values.Select(run => (Task)run.Completion).ToArray();
        if (going.Length > 0)
            ServerLog.RunsFinishing(logger, going.Length);
        try
        {
            await Task.WhenAll(going).WaitAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Their failures are in the store already.
        }
    }

    private static RunWork Fresh(Link link, RunRequest request) =>
        async (runner, progress, token) => (await runner.RunAsync(link, request, progress, token)).Run;

    /// <param name="ended">Called once the work has ended, whether or not it opened a run (not called when this throws).</param>
    private async Task<ActiveRun> LaunchAsync(Link link, RunWork work, Action? ended, CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested)
            throw new InvalidOperationException("The server is stopping; no run starts now.");
        var started = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var runEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new RunProgress();
        // The first run the work opens is the one answered (replays and resumes after it are its children).
        var runner = new LinkRunner(new StartSignallingRunStore(store, started, runEnded), queries, recovery, clock, alerts, dispatchers, events: logger);
        var completion = Task.Run(() => work(runner, progress, _stopping.Token), CancellationToken.None);
        var first = await Task.WhenAny(started.Task, completion).WaitAsync(cancellationToken);
        if (first == completion && !started.Task.IsCompleted)
        {
            await completion.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            if (!started.Task.IsCompleted)
            {
                await completion; // throws what kept the run from starting
                throw new InvalidOperationException($"Link '{link.Id}' ended without opening a run.");
            }
        }
        var runId = await started.Task;
        // (Ended also when the work ends without storing the run's end, e.g. it threw: nothing waits on it forever.)
        var active = new ActiveRun(runId, link.Id, progress, completion, Task.WhenAny(runEnded.Task, completion));
        _active[runId] = active;
        _ = completion.ContinueWith(task =>
        {
            _active.TryRemove(runId, out _);
            ended?.Invoke();
            RunEnded?.Invoke(task.IsCompletedSuccessfully ? task.Result : null);
            if (task.IsFaulted)
                ServerLog.RunFailedInRunner(logger, task.Exception, runId, link.Id);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return active;
    }
}
