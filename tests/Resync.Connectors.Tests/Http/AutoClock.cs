using System.Collections.Concurrent;

namespace Resync.Connectors.Tests.Http;

/// <summary>
/// A clock whose delays fire at once, moving the time forward by their due time and recording it: retry
/// delays and Retry-After waits are observed without waiting for them. Timeouts (a cancellation token source's
/// timer: the calls' per-attempt timeouts) never fire by themselves, only when the test times a call out
/// (<see cref="TimeOutTheOnlyCallAsync"/>), so a slow answer on a busy machine is never taken for a timeout.
/// </summary>
internal sealed class AutoClock : TimeProvider
{
    /// <summary>The call timeout of these tests; on the system clock (targets without a clock of their own), a safety net against a hang.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(10);

    private readonly ConcurrentQueue<TimeSpan> _waits = new();
    private readonly Lock _lock = new();
    private readonly List<Timer> _timeouts = [];
    private TaskCompletionSource _timeoutsChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _ticks = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    /// <summary>Every delay asked for, in order (timeouts are not delays).</summary>
    public IReadOnlyList<TimeSpan> Waits => [.. _waits];

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        if (dueTime == Timeout.InfiniteTimeSpan)
            return timer;
        // new CancellationTokenSource(delay, clock) arms a timer whose state is the source itself.
        if (state is CancellationTokenSource)
        {
            lock (_lock)
                _timeouts.Add(timer);
            TimeoutsChanged();
            return timer;
        }
        _waits.Enqueue(dueTime);
        Interlocked.Add(ref _ticks, dueTime.Ticks);
        ThreadPool.QueueUserWorkItem(_ => timer.Fire());
        return timer;
    }

    /// <summary>
    /// Fires the timeout of the one call still waiting for its answer, once every other call in flight has had its
    /// answer (so that the call the test holds is the one that times out).
    /// </summary>
    public async Task TimeOutTheOnlyCallAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            Timer? only = null;
            lock (_lock)
            {
                if (_timeouts.Count == 1)
                {
                    only = _timeouts[0];
                    _timeouts.Clear();
                }
                changed = _timeoutsChanged.Task;
            }
            if (only is not null)
            {
                only.Fire();
                return;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }

    private void Forget(Timer timer)
    {
        bool removed;
        lock (_lock)
            removed = _timeouts.Remove(timer);
        if (removed)
            TimeoutsChanged();
    }

    private void TimeoutsChanged()
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            changed = _timeoutsChanged;
            _timeoutsChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    private sealed class Timer(AutoClock owner, TimerCallback callback, object? state) : ITimer
    {
        private volatile bool _disposed;

        public void Fire()
        {
            if (!_disposed)
                callback(state);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => !_disposed;

        public void Dispose()
        {
            _disposed = true;
            owner.Forget(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
