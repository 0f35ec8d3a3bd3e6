using System.Net.Sockets;

namespace Resync.Core.Tests.Recovery;

public sealed class BackoffAndDeactivationTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 30, 0, TimeSpan.Zero);

    private static HttpRequestException Down() => new("Connection refused", new SocketException((int)SocketError.ConnectionRefused));

    [Fact]
    public async Task SourceDown_RerunsHappenAtTheScheduleOffsets_AndTheLinkIsDeactivatedAfterTheLast()
    {
        await using var down = await HourlyLinkWithSourceDown.StartAsync();
        var (clock, harness, scheduled) = (down.Clock, down.Harness, down.Scheduled);

        // The hourly tick at 01:00 fails; then every attempt follows 1m, 2m, 5m, 10m, 1h, 3h, 12h, 24h.
        var expected = new List<DateTimeOffset> { new(2026, 3, 1, 1, 0, 0, TimeSpan.Zero) };
        foreach (var delay in BackoffSchedule.Default.Delays)
            expected.Add(expected[^1] + delay);
        var started = new List<DateTimeOffset>();
        foreach (var due in expected)
        {
            clock.SetUtcNow(due);
            var run = await scheduled.NextEndedAsync();
            run.Result!.Status.ShouldBe(RunStatus.Failed);
            started.Add(run.StartedAt);
        }

        started.ShouldBe(expected);
        var health = (await harness.Store.GetLinkAsync(down.Link.Id, CancellationToken.None))!.Health;
        health.State.ShouldBe(LinkState.Deactivated);
        health.StateReason!.ShouldContain("after 9 attempts");
        // Each failed attempt is raised to be held by the routes; the deactivation ends the recovery: one digest.
        harness.Alerts.Raised.Select(a => (a.Kind, a.Recovery)).ShouldBe(
            [.. Enumerable.Repeat((AlertKinds.RunFailed, AlertRecovery.InProgress), 8), (AlertKinds.LinkDeactivated, AlertRecovery.Failed)]);

        // Deactivated: nothing runs any more, whatever the clock says.
        clock.Advance(TimeSpan.FromDays(3));
        await scheduled.Scheduler.StartDueRunsAsync(CancellationToken.None);
        scheduled.Ended.TryRead(out _).ShouldBeFalse();
    }

    [Fact]
    public async Task SourceBackAtTheFourthAttempt_ResetsTheCounter_AndTheScheduleResumes()
    {
        await using var down = await HourlyLinkWithSourceDown.StartAsync();
        var (clock, harness, scheduled) = (down.Clock, down.Harness, down.Scheduled);

        var tick = new DateTimeOffset(2026, 3, 1, 1, 0, 0, TimeSpan.Zero);
        var times = new[] { tick, tick.AddMinutes(1), tick.AddMinutes(3), tick.AddMinutes(8) };
        for (var attempt = 0; attempt < times.Length; attempt++)
        {
            if (attempt == 3)
                down.Source.Recover();
            clock.SetUtcNow(times[attempt]);
            var run = await scheduled.NextEndedAsync();
            run.StartedAt.ShouldBe(times[attempt]);
            run.Result!.Status.ShouldBe(attempt == 3 ? RunStatus.Succeeded : RunStatus.Failed);
        }

        var health = (await harness.Store.GetLinkAsync(down.Link.Id, CancellationToken.None))!.Health;
        health.ShouldBe(LinkHealth.Healthy);
        harness.Alerts.Raised.Select(a => (a.Kind, a.Recovery)).ShouldBe(
            [.. Enumerable.Repeat((AlertKinds.RunFailed, AlertRecovery.InProgress), 3), (AlertKinds.Recovered, AlertRecovery.Succeeded)]);
        // Back on the hourly schedule: the next run is at 02:00, not on the backoff schedule.
        clock.SetUtcNow(new DateTimeOffset(2026, 3, 1, 1, 59, 0, TimeSpan.Zero));
        scheduled.Ended.TryRead(out _).ShouldBeFalse();
        clock.SetUtcNow(new DateTimeOffset(2026, 3, 1, 2, 0, 0, TimeSpan.Zero));
        (await scheduled.NextEndedAsync()).StartedAt.ShouldBe(new DateTimeOffset(2026, 3, 1, 2, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task OverlappingTick_DoesNotStartASecondRun()
    {
        var clock = new ManualTimeProvider(Start);
        await using var harness = await RecoveryHarness.StartAsync(clock);
        var release = new TaskCompletionSource();
        var writing = new TaskCompletionSource();
        var target = new CollectingTarget();
        target.BeforeWrite = async (_, token) =>
        {
            writing.TrySetResult();
            await release.Task.WaitAsync(token);
        };
        var link = new Link(RecoveryHarness.LinkId, ListSource.Paged(1, 5), [], target, new LinkSettings { BatchSize = 5 })
        {
            Trigger = new LinkTrigger(CronSchedule.Parse("* * * * *")),
        };
        await using var scheduled = new WatchedScheduler(harness, link);
        var scheduler = scheduled.Scheduler;

        clock.SetUtcNow(Start.AddMinutes(1).AddSeconds(-30));
        await scheduler.StartDueRunsAsync(CancellationToken.None); // learns the next tick: 00:31
        clock.SetUtcNow(new DateTimeOffset(2026, 3, 1, 0, 31, 0, TimeSpan.Zero));
        await scheduler.StartDueRunsAsync(CancellationToken.None);
        await writing.Task.WaitAsync(Patience.Limit);
        // Two more ticks pass while the first run is still writing.
        clock.SetUtcNow(new DateTimeOffset(2026, 3, 1, 0, 33, 0, TimeSpan.Zero));
        await scheduler.StartDueRunsAsync(CancellationToken.None);
        release.SetResult();

        (await scheduled.NextEndedAsync()).Result!.Status.ShouldBe(RunStatus.Succeeded);
        (await harness.Store.ListRunsAsync(new Core.Storage.RunFilter(), CancellationToken.None)).Count.ShouldBe(1);
        scheduled.Ended.TryRead(out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData(false, null, 3)]
    [InlineData(true, null, 1)]
    [InlineData(true, 4, 4)]
    public void RuntimeErrors_DeactivateAfterTheMaximumInARow_PushLinksAtTheFirstUnlessSet(bool push, int? setting, int expected)
    {
        var link = new Link("l", ListSource.Paged(1, 1), [], new CollectingTarget(), new LinkSettings { MaxConsecutiveErrors = setting }) { Trigger = new LinkTrigger(Push: push) };
        var error = new ResyncError(ErrorScope.System, ErrorType.Runtime, Durability.Durable, "UNEXPECTED", "boom", "target", [], null, Start, 1);
        var health = LinkHealth.Healthy;
        for (var run = 1; run <= expected; run++)
        {
            health.State.ShouldBe(LinkState.Active, $"still active before failed run {run}");
            health = LinkHealthPolicy.After(health, link, new RunResult(run, RunStatus.Failed, RunCounts.Zero, error), parked: false, BackoffSchedule.Default, Start).Health;
        }
        health.State.ShouldBe(LinkState.Deactivated);
        health.ConsecutiveFailures.ShouldBe(expected);
    }

    [Fact]
    public void ACompletedRun_ResetsBothCounters()
    {
        var link = new Link("l", ListSource.Paged(1, 1), [], new CollectingTarget());
        var struggling = new LinkHealth(LinkState.Active, null, 2, 3, Start.AddMinutes(5));

        var after = LinkHealthPolicy.After(struggling, link, new RunResult(1, RunStatus.CompletedWithErrors, RunCounts.Zero, null), false, BackoffSchedule.Default, Start);

        after.Health.ShouldBe(LinkHealth.Healthy);
    }

    [Fact]
    public async Task TickInsideABackoff_IsReplacedByTheAttempts_NoRunRightAfterTheSuccessfulOne()
    {
        // Regression: the tick that fell inside the backoff fired right after the successful attempt.
        var clock = new ManualTimeProvider(Start);
        await using var harness = await RecoveryHarness.StartAsync(clock);
        var source = ListSource.Paged(1, 5).ThrowAtFirstFetch(Down());
        var link = new Link(RecoveryHarness.LinkId, source, [], new CollectingTarget(), new LinkSettings { BatchSize = 5 })
        {
            Trigger = new LinkTrigger(new IntervalSchedule(TimeSpan.FromMinutes(2))),
        };
        var gate = new LinkRunGate();
        await using var scheduled = new WatchedScheduler(harness, link, gate);
        var scheduler = scheduled.Scheduler;
        (await scheduler.StartDueRunsAsync(CancellationToken.None)).ShouldBe(Start.AddMinutes(2));

        // 00:32 the tick fails; 00:33 the first attempt fails; the 00:34 tick falls inside; 00:35 the second attempt succeeds.
        foreach (var (minute, succeeds) in new[] { (32, false), (33, false), (35, true) })
        {
            if (succeeds)
                source.Recover();
            clock.SetUtcNow(Start.AddMinutes(minute - 30));
            await scheduler.StartDueRunsAsync(CancellationToken.None);
            var run = await scheduled.NextEndedAsync();
            run.Result!.Status.ShouldBe(succeeds ? RunStatus.Succeeded : RunStatus.Failed);
        }

        (await scheduler.StartDueRunsAsync(CancellationToken.None)).ShouldBe(Start.AddMinutes(6), "the next tick after the attempt, not the one it replaced");
        gate.IsBusy(link.Id).ShouldBeFalse();
    }

    [Fact]
    public async Task RunsWhoseEveryBatchFails_CountAsFailuresInARow_AndDeactivateTheLinkAtTheMaximum()
    {
        // Regression: a run that completed with every batch failed (a missing table) reset the counter; the link ran on forever.
        await using var harness = await RecoveryHarness.StartAsync(new ManualTimeProvider(Start));
        var target = new CollectingTarget();
        target.BeforeWrite = (_, _) => throw new InvalidOperationException("no such table: contacts");
        var link = RecoveryHarness.Link(ListSource.Paged(2, 5), target, new LinkSettings { BatchSize = 5, Parallelism = 1 });

        for (var run = 1; run <= LinkSettings.DefaultMaxConsecutiveErrors; run++)
        {
            var outcome = await harness.RunAsync(link);
            outcome.Run.Status.ShouldBe(RunStatus.CompletedWithErrors);
            outcome.Health.ConsecutiveFailures.ShouldBe(run);
        }

        var health = (await harness.Store.GetLinkAsync(link.Id, CancellationToken.None))!.Health;
        health.State.ShouldBe(LinkState.Deactivated);
        health.StateReason!.ShouldContain("got nothing through");
    }

    [Fact]
    public async Task RunsWithOnlyDataErrors_AndRunsThatWroteSomething_DoNotCountAsFailures()
    {
        await using var harness = await RecoveryHarness.StartAsync(new ManualTimeProvider(Start));
        var badData = new ErrorClassification(ErrorType.Data, Durability.Durable, "INVALID_EMAIL", "email is not an address", "Fix it.", ["email"]);
        var everyRecordBad = RecoveryHarness.Link(ListSource.Paged(1, 5), new CollectingTarget().Refuse(_ => true, badData));
        var someWritten = RecoveryHarness.Link(ListSource.Paged(2, 5), new CollectingTarget().ThrowOnBatch(2, new InvalidOperationException("no such table")),
            new LinkSettings { BatchSize = 5, Parallelism = 1 });

        (await harness.RunAsync(everyRecordBad)).Health.ConsecutiveFailures.ShouldBe(0, "the data is wrong, not the link");
        (await harness.RunAsync(someWritten)).Health.ConsecutiveFailures.ShouldBe(0, "a batch got through");
    }

    [Fact]
    public void BackoffAttempts_CountAsFailuresInARow()
    {
        var link = HourlyLink(ListSource.Paged(1, 1));
        var error = new ResyncError(ErrorScope.System, ErrorType.Connection, Durability.Ephemeral, "CONNECTION_REFUSED", "down", "source", [], null, Start, 1);
        var health = LinkHealth.Healthy;
        for (var run = 1; run <= 3; run++)
            health = LinkHealthPolicy.After(health, link, new RunResult(run, RunStatus.Failed, RunCounts.Zero, error), parked: false, BackoffSchedule.Default, Start).Health;

        health.ConsecutiveFailures.ShouldBe(3);
        health.BackoffAttempts.ShouldBe(3);
        health.State.ShouldBe(LinkState.Active, "an ephemeral outage follows the backoff schedule");
    }

    private static Link HourlyLink(ListSource source) =>
        new(RecoveryHarness.LinkId, source, [], new CollectingTarget(), new LinkSettings { BatchSize = 5 })
        {
            Trigger = new LinkTrigger(new IntervalSchedule(TimeSpan.FromHours(1))),
        };

    /// <summary>An hourly link whose source is down until it is recovered, its scheduler running on a manual clock at <see cref="Start"/>.</summary>
    private sealed class HourlyLinkWithSourceDown : IAsyncDisposable
    {
        private HourlyLinkWithSourceDown(RecoveryHarness harness)
        {
            Harness = harness;
            Link = HourlyLink(Source);
            Scheduled = new WatchedScheduler(harness, Link);
        }

        public ManualTimeProvider Clock => Harness.Clock;

        public RecoveryHarness Harness { get; }

        public ListSource Source { get; } = ListSource.Paged(1, 5).ThrowAtFirstFetch(Down());

        public Link Link { get; }

        public WatchedScheduler Scheduled { get; }

        public static async Task<HourlyLinkWithSourceDown> StartAsync()
        {
            var started = new HourlyLinkWithSourceDown(await RecoveryHarness.StartAsync(new ManualTimeProvider(Start)));
            started.Scheduled.Start();
            return started;
        }

        public async ValueTask DisposeAsync()
        {
            await Scheduled.DisposeAsync();
            await Harness.DisposeAsync();
        }
    }
}
