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

    [Fact]
    public async Task AdvancingOnDelays_Delay_CompletesAtOnce_MovingTheClockAndRecordingTheWait()
    {
        var clock = ManualTimeProvider.AdvancingOnDelays();

        await Task.Delay(TimeSpan.FromSeconds(30), clock).WaitAsync(Patience.Limit);
        await Task.Delay(TimeSpan.FromSeconds(2), clock).WaitAsync(Patience.Limit);

        clock.GetUtcNow().ShouldBe(ManualTimeProvider.DefaultStart.AddSeconds(32));
        clock.Waits.ShouldBe([TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2)]);
    }

    [Fact]
    public async Task AdvancingOnDelays_Timeout_FiresOnlyWhenTheTestFiresIt()
    {
        var clock = ManualTimeProvider.AdvancingOnDelays();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10), clock);

        await Task.Delay(TimeSpan.FromHours(1), clock).WaitAsync(Patience.Limit);
        timeout.IsCancellationRequested.ShouldBeFalse("a timeout never fires by itself");
        clock.Waits.ShouldBe([TimeSpan.FromHours(1)], "a timeout is not a wait");
        await clock.FireTheOnlyTimeoutAsync(CancellationToken.None).WaitAsync(Patience.Limit);

        timeout.IsCancellationRequested.ShouldBeTrue();
    }

    [Fact]
    public async Task AdvancingOnDelays_FireTheOnlyTimeout_WaitsUntilOneTimeoutIsLeft()
    {
        var clock = ManualTimeProvider.AdvancingOnDelays();
        using var answered = new CancellationTokenSource(TimeSpan.FromMinutes(10), clock);
        using var held = new CancellationTokenSource(TimeSpan.FromMinutes(10), clock);

        var firing = clock.FireTheOnlyTimeoutAsync(CancellationToken.None);
        firing.IsCompleted.ShouldBeFalse("two calls are waiting: neither is the one the test holds yet");
        answered.Dispose();
        await firing.WaitAsync(Patience.Limit);

        held.IsCancellationRequested.ShouldBeTrue();
    }
}
