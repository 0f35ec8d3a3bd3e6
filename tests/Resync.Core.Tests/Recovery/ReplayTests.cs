using Record = Resync.Core.Records.Record;

namespace Resync.Core.Tests.Recovery;

public sealed class ReplayTests
{
    private static readonly ErrorClassification Locked =
        new(ErrorType.Runtime, Durability.Ephemeral, "40P01", "deadlock detected", "Retried.", []);

    private static readonly ErrorClassification TooLong =
        new(ErrorType.Data, Durability.Durable, "22001", "value too long for type character varying(40)", "Fix the record.", ["name"]);

    [Fact]
    public async Task AutomatedReplay_StopsAtMaxAttempts_CarryingOnlyStillFailingRecords()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        // Records 1–10 fail at first; 1–5 get through on their first replay, 6–10 never do.
        var attempts = new Dictionary<long, int>();
        bool FailsNow(Record record)
        {
            var id = TestRecords.Id(record);
            if (id > 10)
                return false;
            lock (attempts)
            {
                attempts[id] = attempts.GetValueOrDefault(id) + 1;
                return id > 5 || attempts[id] == 1;
            }
        }
        var target = new CollectingTarget().Refuse(FailsNow, Locked);
        var link = RecoveryHarness.Link(ListSource.Paged(2, 50), target,
            new LinkSettings { BatchSize = 50, Parallelism = 2, AutomatedReplay = true, ReplayMaxAttempts = 3, ReplayDelays = [TimeSpan.Zero] });

        var outcome = await harness.RunAsync(link);

        outcome.Run.Counts.Failed.ShouldBe(10);
        outcome.Replays.Select(r => r.Counts.Read).ShouldBe([10, 5, 5]);
        outcome.Replays.Select(r => r.Counts.Failed).ShouldBe([5, 5, 5]);
        foreach (var replay in outcome.Replays)
        {
            var view = await harness.RunViewAsync(replay.RunId);
            view.Kind.ShouldBe(RunKind.Replay);
            view.RootRunId.ShouldBe(outcome.Run.RunId);
        }
        (await harness.RunViewAsync(outcome.Replays[1].RunId)).ParentRunId.ShouldBe(outcome.Replays[0].RunId, "each replay carries what its predecessor still failed");
        (await harness.RunViewAsync(outcome.Run.RunId)).Status.ShouldBe(RunStatus.CompletedWithErrors);
        target.Written.Select(TestRecords.Id).Distinct().Count().ShouldBe(95);
    }

    [Fact]
    public async Task AutomatedReplay_WhenEverythingGetsThrough_ResolvesTheRun()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var seen = new HashSet<long>();
        var target = new CollectingTarget().Refuse(r => { lock (seen) return TestRecords.Id(r) % 7 == 0 && seen.Add(TestRecords.Id(r)); }, Locked);
        var link = RecoveryHarness.Link(ListSource.Paged(2, 50), target, new LinkSettings { BatchSize = 50, AutomatedReplay = true, ReplayDelays = [TimeSpan.Zero] });

        var outcome = await harness.RunAsync(link);

        outcome.Replays.ShouldHaveSingleItem().Status.ShouldBe(RunStatus.Succeeded);
        (await harness.RunViewAsync(outcome.Run.RunId)).Status.ShouldBe(RunStatus.Succeeded);
        target.Written.Count.ShouldBe(100);
    }

    [Fact]
    public async Task AutomatedReplay_IsOffByDefault()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget().Refuse(r => TestRecords.Id(r) == 1, Locked);

        var outcome = await harness.RunAsync(RecoveryHarness.Link(ListSource.Paged(1, 10), target));

        outcome.Replays.ShouldBeEmpty();
    }

    [Fact]
    public async Task AutomatedReplay_ByDefault_ReplaysOnlyEphemeralErrors_LeavingDurableOnesFailed()
    {
        // Regression: a value too long for its column was replayed at once, again and again, burning the attempts.
        await using var harness = await RecoveryHarness.StartAsync();
        var tries = new Dictionary<long, int>();
        var target = new CollectingTarget()
            .Refuse(r => TestRecords.Id(r) <= 3, TooLong)
            .Refuse(r => { lock (tries) return TestRecords.Id(r) is > 3 and <= 6 && (tries[TestRecords.Id(r)] = tries.GetValueOrDefault(TestRecords.Id(r)) + 1) == 1; }, Locked);
        var link = RecoveryHarness.Link(ListSource.Paged(1, 20), target,
            new LinkSettings { BatchSize = 20, AutomatedReplay = true, ReplayMaxAttempts = 3, ReplayDelays = [TimeSpan.Zero] });

        var outcome = await harness.RunAsync(link);

        outcome.Run.Counts.Failed.ShouldBe(6);
        var replay = outcome.Replays.ShouldHaveSingleItem("the durable failures are not replayed, so the first replay clears what can clear");
        replay.Counts.Read.ShouldBe(3);
        replay.Status.ShouldBe(RunStatus.Succeeded);
        (await harness.RunViewAsync(replay.RunId)).CarriesAllFailures.ShouldBeFalse();
        (await harness.RunViewAsync(outcome.Run.RunId)).Status.ShouldBe(RunStatus.CompletedWithErrors, "its durable failures wait for a person");
    }

    [Fact]
    public async Task AutomatedReplay_WithIncludeDurable_ReplaysDurableErrorsToo()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget().Refuse(r => TestRecords.Id(r) <= 3, TooLong);
        var link = RecoveryHarness.Link(ListSource.Paged(1, 20), target,
            new LinkSettings { BatchSize = 20, AutomatedReplay = true, ReplayMaxAttempts = 2, ReplayIncludesDurable = true, ReplayDelays = [TimeSpan.Zero] });

        var outcome = await harness.RunAsync(link);

        outcome.Replays.Select(r => r.Counts.Read).ShouldBe([3, 3]);
        outcome.Replays.Select(r => r.Counts.Failed).ShouldBe([3, 3]);
    }

    [Fact]
    public async Task AutomatedReplay_WaitsItsDelaySchedule_OnTheClock_TheLastDelayRepeating()
    {
        var clock = new ManualTimeProvider();
        await using var harness = await RecoveryHarness.StartAsync(clock);
        var target = new CollectingTarget().Refuse(r => TestRecords.Id(r) == 1, Locked);
        var link = RecoveryHarness.Link(ListSource.Paged(1, 10), target,
            new LinkSettings { BatchSize = 10, AutomatedReplay = true, ReplayMaxAttempts = 3, ReplayDelays = [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)] });

        var running = harness.RunAsync(link);
        foreach (var delay in new[] { 5, 30, 30 })
        {
            await WaitingAsync(clock, running);
            clock.Advance(TimeSpan.FromSeconds(delay - 1));
            clock.PendingTimers.ShouldBe(1, "the replay waits its whole delay");
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        var outcome = await running.WaitAsync(TimeSpan.FromMinutes(1));

        var starts = new List<DateTimeOffset>();
        foreach (var replay in outcome.Replays)
            starts.Add((await harness.RunViewAsync(replay.RunId)).StartedAt);
        starts.ShouldBe([.. new[] { 5, 35, 65 }.Select(s => ManualTimeProvider.DefaultStart.AddSeconds(s))]);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[-5s]")]
    public void LinkSettings_ReplayDelaysEmptyOrNegative_AreRefused(string delays)
    {
        var settings = new LinkSettings { ReplayDelays = delays == "[]" ? [] : [TimeSpan.FromSeconds(-5)] };

        settings.Validate().ShouldHaveSingleItem().ShouldContain("replay delays");
    }

    /// <summary>Until the replay waits on the clock (the run before it has ended); a minute-long safety net only.</summary>
    private static async Task WaitingAsync(ManualTimeProvider clock, Task running)
    {
        for (var polls = 0; clock.PendingTimers == 0; polls++)
        {
            running.IsCompleted.ShouldBeFalse("the run ended without waiting for its replay");
            polls.ShouldBeLessThan(6000, "the replay never waited on the clock");
            await Task.Delay(10);
        }
    }
}
