using Resync.Core.Tests.Recovery;

namespace Resync.Core.Tests.Scheduling;

public sealed class LinkSchedulerTests
{
    [Fact]
    public async Task ZurichNightlyLink_AcrossTheSpringChange_RunsAtTheEndOfTheSkippedHour()
    {
        // 2026-03-29: Zurich's clocks go from 02:00 CET straight to 03:00 CEST, so that night has no 02:00.
        var started = await NightlyRunsAsync(new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero), nights: 3);

        started.ShouldBe(
        [
            new(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), // 03:00 CEST, the end of the gap
            new(2026, 3, 30, 0, 0, 0, TimeSpan.Zero), // 02:00 CEST
            new(2026, 3, 31, 0, 0, 0, TimeSpan.Zero),
        ]);
    }

    [Fact]
    public async Task ZurichNightlyLink_AcrossTheAutumnChange_RunsOnceInTheRepeatedHour()
    {
        // 2026-10-25: Zurich's clocks go back from 03:00 CEST to 02:00 CET, so that night has two 02:00s.
        var started = await NightlyRunsAsync(new DateTimeOffset(2026, 10, 24, 12, 0, 0, TimeSpan.Zero), nights: 3);

        started.ShouldBe(
        [
            new(2026, 10, 25, 0, 0, 0, TimeSpan.Zero), // the first 02:00 (CEST) only, not again at 02:00 CET
            new(2026, 10, 26, 1, 0, 0, TimeSpan.Zero), // 02:00 CET
            new(2026, 10, 27, 1, 0, 0, TimeSpan.Zero),
        ]);
    }

    /// <summary>Moves the clock from tick to tick of a link scheduled at 02:00 in Zurich; returns when its runs started.</summary>
    private static async Task<List<DateTimeOffset>> NightlyRunsAsync(DateTimeOffset start, int nights)
    {
        var clock = new ManualTimeProvider(start);
        await using var harness = await RecoveryHarness.StartAsync(clock);
        var link = new Link(RecoveryHarness.LinkId, ListSource.Paged(1, 1), [], new CollectingTarget(), new LinkSettings { BatchSize = 5 })
        {
            Trigger = new LinkTrigger(CronSchedule.Parse("0 2 * * *", CronSchedule.FindTimeZone("Europe/Zurich"))),
        };
        await using var scheduled = new WatchedScheduler(harness, link);
        var scheduler = scheduled.Scheduler;

        var due = await scheduler.StartDueRunsAsync(CancellationToken.None);
        var started = new List<DateTimeOffset>();
        for (var night = 0; night < nights; night++)
        {
            clock.SetUtcNow(due!.Value);
            due = await scheduler.StartDueRunsAsync(CancellationToken.None);
            var run = await scheduled.NextEndedAsync();
            run.Result!.Status.ShouldBe(RunStatus.Succeeded);
            started.Add(run.StartedAt);
        }
        return started;
    }
}
