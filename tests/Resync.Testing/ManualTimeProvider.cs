namespace Resync.Testing;

/// <summary>
/// A clock that moves only when told to (<see cref="Advance"/>, <see cref="SetUtcNow"/>), so that schedules,
/// backoff and timestamps are tested without sleeping. Timers created from it (and so <c>Task.Delay(…, provider)</c>)
/// fire synchronously, in due order, on the thread that moves the clock. A clock made by <see cref="AdvancingOnDelays"/>
/// moves by itself instead, as code waits on it.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly bool _advancesOnDelays;
    private readonly List<TimeSpan> _waits = [];
    private readonly List<ManualTimer> _timeouts = [];
    private TaskCompletionSource _timeoutsChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset _now;
    private long _sequence;

    /// <summary>Starts the clock at <paramref name="start"/>, or at <see cref="DefaultStart"/>.</summary>
    public ManualTimeProvider(DateTimeOffset? start = null)
        : this(start, advancesOnDelays: false)
    {
    }

    private ManualTimeProvider(DateTimeOffset? start, bool advancesOnDelays)
    {
        _now = (start ?? DefaultStart).ToUniversalTime();
        _advancesOnDelays = advancesOnDelays;
    }

    /// <summary>
    /// A clock that moves by itself as code waits on it: a delay (a timer, and so <c>Task.Delay(…, provider)</c>; a periodic
    /// timer fires once) fires at once on the thread pool, moving the clock forward by its due time, and is recorded in
    /// <see cref="Waits"/>: retry delays and Retry-After waits are observed without waiting for them. A timeout (the timer of a
    /// <see cref="CancellationTokenSource"/> made with this clock, such as a call's per-attempt timeout) never fires by itself,
    /// only through <see cref="FireTheOnlyTimeoutAsync"/>, so a slow answer on a busy machine is never taken for a timeout.
    /// </summary>
    public static ManualTimeProvider AdvancingOnDelays(DateTimeOffset? start = null) => new(start, advancesOnDelays: true);

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

    /// <summary>Every delay asked for, in order, on a clock <see cref="AdvancingOnDelays"/> (timeouts are not delays).</summary>
    public IReadOnlyList<TimeSpan> Waits
    {
        get
        {
            lock (_lock)
                return [.. _waits];
        }
    }

    /// <summary>
    /// On a clock <see cref="AdvancingOnDelays"/>: fires the timeout of the one call still waiting for its answer, once every
    /// other call in flight has had its answer (so that the call the test holds is the one that times out).
    /// </summary>
    public async Task FireTheOnlyTimeoutAsync(CancellationToken cancellationToken)
    {
        if (!_advancesOnDelays)
            throw new InvalidOperationException("Only a clock that advances on delays holds its timeouts back; move this one instead.");
        while (true)
        {
            Task changed;
            ManualTimer? only = null;
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
                FireUnlessDisposed(only);
                return;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }

    private bool Change(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(dueTime));
        if (period < TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(period));
        if (_advancesOnDelays)
            return ChangeAdvancing(timer, dueTime);
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

    private bool ChangeAdvancing(ManualTimer timer, TimeSpan dueTime)
    {
        // new CancellationTokenSource(delay, clock) arms a timer whose state is the source itself: a timeout, held back.
        var isTimeout = timer.State is CancellationTokenSource;
        var armed = dueTime != Timeout.InfiniteTimeSpan;
        lock (_lock)
        {
            if (timer.IsDisposed)
                return false;
            _timeouts.Remove(timer);
            if (armed && isTimeout)
                _timeouts.Add(timer);
            else if (armed)
            {
                _waits.Add(dueTime);
                _now += dueTime;
            }
        }
        if (isTimeout)
            TimeoutsChanged();
        else if (armed)
            ThreadPool.QueueUserWorkItem(_ => FireUnlessDisposed(timer)); // as a real timer fires: never inside the code that armed it
        return true;
    }

    private void FireUnlessDisposed(ManualTimer timer)
    {
        lock (_lock)
        {
            if (timer.IsDisposed)
                return;
        }
        timer.Callback(timer.State);
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

    private void Remove(ManualTimer timer)
    {
        bool wasHeld;
        lock (_lock)
        {
            timer.IsDisposed = true;
            _timers.Remove(timer);
            wasHeld = _timeouts.Remove(timer);
        }
        if (wasHeld)
            TimeoutsChanged();
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
