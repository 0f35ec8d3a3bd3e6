using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Runs;
using Resync.Testing;
using Record = Resync.Core.Records.Record;

namespace Resync.Core.Tests.Recovery;

public sealed class ReplayTests
{
    private static readonly ErrorClassification Locked =
        new(ErrorType.Runtime, Durability.Ephemeral, "40P01", "deadlock detected", "Retried.", []);

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
            new LinkSettings { BatchSize = 50, Parallelism = 2, AutomatedReplay = true, ReplayMaxAttempts = 3 });

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
        var link = RecoveryHarness.Link(ListSource.Paged(2, 50), target, new LinkSettings { BatchSize = 50, AutomatedReplay = true });

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
}
