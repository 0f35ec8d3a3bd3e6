namespace Resync.Core.Scheduling;

/// <summary>
/// A background loop's wait: until a due time on a <see cref="TimeProvider"/> (or for ever), cut short by
/// <see cref="Wake"/> or cancellation. Used by the scheduler and the alert outbox, so both are driven by a fake clock in tests.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "A SemaphoreSlim holds an unmanaged handle only once its AvailableWaitHandle is read, which this type never does.")]
public sealed class WakeableWait
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>
    /// Ends the current (or the next) wait now. Wake-ups coalesce: one pending is enough, as the look that follows it sees
    /// everything that happened before (a burst of run ends was a look each).
    /// </summary>
    public void Wake()
    {
        if (_wake.CurrentCount > 0)
            return;
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Another wake-up got there first: that one is pending.
        }
    }

    /// <summary>Waits until <paramref name="due"/> (null: until woken), returning at once when it is past; never throws on cancellation.</summary>
    public async Task WaitAsync(DateTimeOffset? due, TimeProvider clock, CancellationToken cancellationToken)
    {
        var wait = due is { } at ? at - clock.GetUtcNow() : Timeout.InfiniteTimeSpan;
        if (wait != Timeout.InfiniteTimeSpan && wait <= TimeSpan.Zero)
            return;
        using var delay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sleeping = wait == Timeout.InfiniteTimeSpan ? Task.Delay(Timeout.Infinite, delay.Token) : Task.Delay(wait, clock, delay.Token);
        // Both waits end with this pass: a wake-up wait left pending would swallow the next wake-up.
        var woken = _wake.WaitAsync(delay.Token);
        // The clock may have moved past the due time between reading it and setting the timer (which then counts
        // from the new time and would fire late): return at once instead of waiting.
        if (due is not { } when || clock.GetUtcNow() < when)
            await Task.WhenAny(sleeping, woken);
        await delay.CancelAsync();
        await Task.WhenAll(sleeping, woken).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
