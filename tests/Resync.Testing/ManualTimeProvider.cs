namespace Resync.Testing;

/// <summary>
/// A clock that moves only when told to (<see cref="Advance"/>, <see cref="SetUtcNow"/>), so that schedules,
/// backoff and timestamps are tested without sleeping. Timers created from it (and so <c>Task.Delay(…, provider)</c>)
/// fire synchronously, in due order, on the thread that moves the clock.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now;
    private long _sequence;

    /// <summary>Starts the clock at <paramref name="start"/>, or at <see cref="DefaultStart"/>.</summary>
    public ManualTimeProvider(DateTimeOffset? start = null) => _now = (start ?? DefaultStart).ToUniversalTime();

    /// <summary>Where clocks start unless told otherwise: 2025-01-01T00:00:00Z.</summary>
    public static DateTimeOffset DefaultStart { get; } = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
            return _now;
    }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <summary>Moves the clock forward, firing every timer that falls due on the way.</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        SetUtcNow(GetUtcNow() + delta);
    }

    /// <summary>Sets the clock (never backwards), firing every timer that falls due on the way.</summary>
    public void SetUtcNow(DateTimeOffset value)
    {
        lock (_lock)
        {
            if (value < _now)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"The clock cannot go back from {_now:O}.");
        }
        FireDue(value.ToUniversalTime());
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Timers that are armed and have not fired yet (one-shot) or will fire again (periodic).</summary>
    public int PendingTimers
    {
        get
        {
            lock (_lock)
                return _timers.Count;
        }
    }

    private bool Change(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(dueTime));
        if (period < TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(period));
        DateTimeOffset now;
        lock (_lock)
        {
            if (timer.IsDisposed)
                return false;
            _timers.Remove(timer);
            if (dueTime == Timeout.InfiniteTimeSpan)
                return true;
            timer.DueAt = _now + dueTime;
            timer.Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            timer.Sequence = ++_sequence;
            _timers.Add(timer);
            now = _now;
        }
        // A timer due now fires at once, as a real one would.
        FireDue(now);
        return true;
    }

    private void Remove(ManualTimer timer)
    {
        lock (_lock)
        {
            timer.IsDisposed = true;
            _timers.Remove(timer);
        }
    }

    private void FireDue(DateTimeOffset until)
    {
        while (true)
        {
            ManualTimer? next = null;
            lock (_lock)
            {
                foreach (var timer in _timers)
                {
                    if (timer.DueAt <= until && (next is null || timer.DueAt < next.DueAt || (timer.DueAt == next.DueAt && timer.Sequence < next.Sequence)))
                        next = timer;
                }
                if (next is null)
                {
                    if (until > _now)
                        _now = until;
                    return;
                }
                if (next.DueAt > _now)
                    _now = next.DueAt;
                if (next.Period > TimeSpan.Zero)
                {
                    next.DueAt += next.Period;
                    next.Sequence = ++_sequence;
                }
                else
                {
                    _timers.Remove(next);
                }
            }
            // Outside the lock: the callback may read the clock or change timers.
            next.Callback(next.State);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        public DateTimeOffset DueAt { get; set; }

        public TimeSpan Period { get; set; }

        public long Sequence { get; set; }

        public bool IsDisposed { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period) => owner.Change(this, dueTime, period);

        public void Dispose() => owner.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
