using Record = Resync.Core.Records.Record;

namespace Resync.Core.Tests.Recovery;

/// <summary>What a recovery run of a finished run would carry, read from a real SQLite state file.</summary>
public sealed class RecoveryPlannerTests
{
    private static readonly ErrorClassification Locked =
        new(ErrorType.Data, Durability.Ephemeral, "55P03", "the row is locked", "Retry later.", ["phone"]);

    private static bool BreaksConstraint(Record record) => TestRecords.Id(record) % 10 == 3;

    private static bool MeetsALock(Record record) => TestRecords.Id(record) % 10 == 5;

    /// <summary>A run of 3 pages of 10 whose page 2 times out and whose records 3, 13, 23 break a constraint and 5, 15, 25 meet a lock.</summary>
    private static async Task<long> FailedRunAsync(RecoveryHarness harness)
    {
        var source = ListSource.Paged(3, 10).FailPage(2, new TimeoutException("page 2 did not answer in time"));
        var target = new CollectingTarget().Refuse(BreaksConstraint, RecoveryHarness.PhoneTooLong).Refuse(MeetsALock, Locked);
        var run = (await harness.RunAsync(RecoveryHarness.Link(source, target))).Run;
        run.Status.ShouldBe(RunStatus.CompletedWithErrors);
        return run.RunId;
    }

    [Fact]
    public async Task Plan_AllFailures_CarriesTheFailedBatchesAndEveryRetriableRecord()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var runId = await FailedRunAsync(harness);

        var plan = await new RecoveryPlanner(harness.Store).PlanAsync(runId, RecoveryScope.AllFailures, null, null, CancellationToken.None);

        plan.FailedBatches.Select(batch => batch.Number).ShouldBe([2]);
        plan.Records.ShouldBe(4, "records 3, 5, 23 and 25 of pages 1 and 3");
        plan.NotRetriable.ShouldBe(0);
        plan.CarriesAllFailures.ShouldBeTrue();
        plan.IsEmpty.ShouldBeFalse();
    }

    [Fact]
    public async Task Plan_FailedRecords_CarriesNoBatchAndSoNotAllFailures()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var runId = await FailedRunAsync(harness);

        var plan = await new RecoveryPlanner(harness.Store).PlanAsync(runId, RecoveryScope.FailedRecords, null, null, CancellationToken.None);

        plan.FailedBatches.ShouldBeEmpty();
        plan.Records.ShouldBe(4);
        plan.CarriesAllFailures.ShouldBeFalse("the failed page is not fetched again");
    }

    [Fact]
    public async Task Plan_EphemeralFailedRecords_LeavesTheDurableFailuresOut()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var runId = await FailedRunAsync(harness);

        var plan = await new RecoveryPlanner(harness.Store).PlanAsync(runId, RecoveryScope.EphemeralFailedRecords, null, null, CancellationToken.None);

        plan.Records.ShouldBe(2, "records 5 and 25 met a lock; 3 and 23 broke a constraint");
        plan.CarriesAllFailures.ShouldBeFalse();
    }

    [Fact]
    public async Task Plan_ErrorGroup_CarriesOnlyThatGroupsRecords()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var runId = await FailedRunAsync(harness);
        var tooLong = RecoveryHarness.PhoneTooLong;
        var group = new ErrorGroupKey(tooLong.Type, tooLong.Code, "target", ["phone"]);

        var plan = await new RecoveryPlanner(harness.Store).PlanAsync(runId, RecoveryScope.ErrorGroup, group, null, CancellationToken.None);

        plan.Records.ShouldBe(2, "records 3 and 23");
        plan.FailedBatches.ShouldBeEmpty();
        plan.CarriesAllFailures.ShouldBeFalse();
    }

    [Fact]
    public async Task Plan_CleanRun_IsEmptyAndSaysSo()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var run = (await harness.RunAsync(RecoveryHarness.Link(ListSource.Paged(2, 5), new CollectingTarget()))).Run;

        var plan = await new RecoveryPlanner(harness.Store).PlanAsync(run.RunId, RecoveryScope.AllFailures, null, null, CancellationToken.None);

        plan.IsEmpty.ShouldBeTrue();
        plan.NothingToRetry.ShouldBe($"Run {run.RunId} has no failures to retry.");
    }

    [Fact]
    public async Task Plan_ResumeCursor_IsKeptOnlyForTheRemainder()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var runId = await FailedRunAsync(harness);
        var planner = new RecoveryPlanner(harness.Store);

        (await planner.PlanAsync(runId, RecoveryScope.Remainder, null, "cursor-7", CancellationToken.None)).ResumeCursor.ShouldBe("cursor-7");
        (await planner.PlanAsync(runId, RecoveryScope.AllFailures, null, "cursor-7", CancellationToken.None)).ResumeCursor.ShouldBeNull();
    }

    [Fact]
    public async Task Plan_UnknownRun_ThrowsNamingTheRun()
    {
        await using var harness = await RecoveryHarness.StartAsync();

        var exception = await Should.ThrowAsync<KeyNotFoundException>(
            () => new RecoveryPlanner(harness.Store).PlanAsync(404, RecoveryScope.AllFailures, null, null, CancellationToken.None));

        exception.Message.ShouldBe("There is no run 404.");
    }
}
