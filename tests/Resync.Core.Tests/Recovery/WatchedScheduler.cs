using System.Threading.Channels;

namespace Resync.Core.Tests.Recovery;

/// <summary>
/// A scheduler over one link on a harness's runner, store and clock that keeps the runs it ends, in the order they end.
/// <see cref="Start"/> runs its loop until the scheduler is disposed; without it a test drives the ticks itself.
/// </summary>
internal sealed class WatchedScheduler : IAsyncDisposable
{
    private readonly Channel<ScheduledRun> _ended = Channel.CreateUnbounded<ScheduledRun>();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public WatchedScheduler(RecoveryHarness harness, Link link, LinkRunGate? gate = null)
    {
        Scheduler = new LinkScheduler(new FixedLinks(link), harness.Runner, harness.Store, harness.Clock, gate);
        Scheduler.RunEnded += run => _ended.Writer.TryWrite(run);
    }

    public LinkScheduler Scheduler { get; }

    /// <summary>The ended runs no test has read yet.</summary>
    public ChannelReader<ScheduledRun> Ended => _ended.Reader;

    /// <summary>Waits for the next run to end (the wait is a safety net against a hang, never a measure).</summary>
    public Task<ScheduledRun> NextEndedAsync() => _ended.Reader.ReadAsync().AsTask().WaitAsync(Patience.Limit);

    /// <summary>Runs the scheduler's loop, as the host does, until disposed.</summary>
    public void Start() => _loop = Scheduler.RunAsync(_stop.Token);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
