namespace Resync.Core.Tests.Testing;

/// <summary>The shared fake clock: every time-based test relies on it, so it is checked here once.</summary>
public sealed class ManualTimeProviderTests
{
    [Fact]
    public void Clock_MovesOnlyWhenAdvanced()
    {
        var clock = new ManualTimeProvider();
        var started = clock.GetTimestamp();

        clock.GetUtcNow().ShouldBe(ManualTimeProvider.DefaultStart);
        clock.Advance(TimeSpan.FromMinutes(5));

        clock.GetUtcNow().ShouldBe(ManualTimeProvider.DefaultStart.AddMinutes(5));
        clock.GetElapsedTime(started).ShouldBe(TimeSpan.FromMinutes(5));
        Should.Throw<ArgumentOutOfRangeException>(() => clock.SetUtcNow(ManualTimeProvider.DefaultStart));
    }

    [Fact]
    public async Task Delay_CompletesWhenTheClockPassesItsDueTime()
    {
        var clock = new ManualTimeProvider();

        var delay = Task.Delay(TimeSpan.FromMinutes(2), clock);
        clock.Advance(TimeSpan.FromMinutes(1));
        delay.IsCompleted.ShouldBeFalse();
        clock.Advance(TimeSpan.FromMinutes(1));

        await delay.WaitAsync(Patience.Limit);
        clock.PendingTimers.ShouldBe(0);
    }

    [Fact]
    public void Timers_FireInDueOrder_AndPeriodicOnesOncePerPeriod()
    {
        var clock = new ManualTimeProvider();
        var fired = new List<string>();
        using var periodic = clock.CreateTimer(_ => fired.Add($"tick {clock.GetUtcNow():HH:mm}"), null, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));
        using var once = clock.CreateTimer(_ => fired.Add($"once {clock.GetUtcNow():HH:mm}"), null, TimeSpan.FromMinutes(15), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromMinutes(30));

        fired.ShouldBe(["tick 00:10", "once 00:15", "tick 00:20", "tick 00:30"]);
        clock.GetUtcNow().ShouldBe(ManualTimeProvider.DefaultStart.AddMinutes(30));
    }

    [Fact]
    public void DisposedOrDisarmedTimer_DoesNotFire()
    {
        var clock = new ManualTimeProvider();
        var fired = 0;
        var disposed = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using var disarmed = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        disposed.Dispose();
        disarmed.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan).ShouldBeTrue();
        clock.Advance(TimeSpan.FromMinutes(1));

        fired.ShouldBe(0);
        disposed.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan).ShouldBeFalse();
    }
}
