using System.Collections.Concurrent;

namespace Resync.Connectors.Tests.Http;

/// <summary>
/// A clock whose timers fire at once, moving the time forward by their due time and recording it: retry
/// delays and Retry-After waits are observed without waiting for them.
/// </summary>
internal sealed class AutoClock : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _waits = new();
    private long _ticks = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    /// <summary>Every delay asked for, in order.</summary>
    public IReadOnlyList<TimeSpan> Waits => [.. _waits];

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FiredTimer();
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _waits.Enqueue(dueTime);
            Interlocked.Add(ref _ticks, dueTime.Ticks);
            ThreadPool.QueueUserWorkItem(_ =>
            {
                if (!timer.Disposed)
                    callback(state);
            });
        }
        return timer;
    }

    private sealed class FiredTimer : ITimer
    {
        public bool Disposed { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period) => !Disposed;

        public void Dispose() => Disposed = true;

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
