using static Resync.Testing.TestRecords;

namespace Resync.Core.Tests.Recovery;

/// <summary>What follows a run whose error policy parked records or deactivates the link.</summary>
public sealed class ErrorPolicyRecoveryTests
{
    private static readonly ErrorClassification Locked = new(ErrorType.Runtime, Durability.Ephemeral, "SQLITE_BUSY", "the database is locked");

    private static LinkSettings Policy(ErrorType type, ErrorAction then) => new()
    {
        BatchSize = 5,
        Parallelism = 1,
        ErrorPolicies = new Dictionary<ErrorType, ErrorTypePolicy> { [type] = new() { Then = then } },
    };

    [Fact]
    public async Task ParkPolicy_ParkedRecords_BecomeAnIncompleteRunThatRetriesThem()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget().Refuse(record => Id(record) is 2 or 7, Locked);
        var link = RecoveryHarness.Link(ListSource.Paged(2, 5), target, Policy(ErrorType.Runtime, ErrorAction.Park));

        var outcome = await harness.RunAsync(link);

        outcome.Run.Counts.ShouldSatisfyAllConditions(
            counts => counts.IsBalanced.ShouldBeTrue(),
            counts => (counts.Succeeded, counts.Incomplete, counts.Failed).ShouldBe((8L, 2L, 0L)));
        var parked = (await harness.Store.ListIncompleteAsync(new IncompleteFilter(), CancellationToken.None)).ShouldHaveSingleItem();
        (parked.Id, parked.RunId, parked.Status, parked.Error.Code).ShouldBe((outcome.IncompleteRunId!.Value, outcome.Run.RunId, IncompleteStatus.Scheduled, "SQLITE_BUSY"));

        target.Fix();
        var resumed = await harness.Runner.RetryIncompleteAsync(link, parked.Id);

        (resumed.Status, resumed.Counts.Read, resumed.Counts.Succeeded).ShouldBe((RunStatus.Succeeded, 2L, 2L));
        target.ShouldHoldEachOfTheFirst(10);
    }

    [Fact]
    public async Task DeactivatePolicy_StopsTheRunAndDeactivatesTheLink()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget().Refuse(record => Id(record) == 2,
            new ErrorClassification(ErrorType.DuplicateData, Durability.Durable, "23505", "duplicate key"));
        var link = RecoveryHarness.Link(ListSource.Paged(2, 5), target, Policy(ErrorType.DuplicateData, ErrorAction.Deactivate));

        var outcome = await harness.RunAsync(link);

        outcome.Run.Status.ShouldBe(RunStatus.Failed);
        outcome.Health.State.ShouldBe(LinkState.Deactivated);
        outcome.Health.StateReason.ShouldNotBeNull().ShouldContain("error policy");
        harness.Alerts.Raised.ShouldContain(alert => alert.Kind == AlertKinds.LinkDeactivated);
    }

    [Fact]
    public async Task AlertedRunResolvedByItsResume_SendsOneChainResolvedAlert()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var duplicate = new ErrorClassification(ErrorType.DuplicateData, Durability.Durable, "23505", "duplicate key");
        var target = new CollectingTarget().Refuse(record => Id(record) == 2, duplicate);
        var link = RecoveryHarness.Link(ListSource.Paged(1, 5), target, Policy(ErrorType.DuplicateData, ErrorAction.Park));

        var outcome = await harness.RunAsync(link);
        harness.Alerts.Raised.Select(alert => alert.Kind).ShouldBe([AlertKinds.WaitingForAPerson]);
        target.Fix();
        await harness.Runner.RetryIncompleteAsync(link, outcome.IncompleteRunId!.Value);

        var resolved = harness.Alerts.Raised.Where(alert => alert.Kind == AlertKinds.ChainResolved).ShouldHaveSingleItem();
        (resolved.RunId, resolved.LinkId).ShouldBe((outcome.Run.RunId, RecoveryHarness.LinkId));
        (await harness.RunViewAsync(outcome.Run.RunId)).Status.ShouldBe(RunStatus.Succeeded);
    }

    [Fact]
    public async Task ReplayResolvesARunNobodyWasAlertedAbout_RaisesOnlyAHeldAlertAndTheRecoveredNote_NoChainResolved()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var refusals = 0;
        var target = new CollectingTarget().Refuse(record => Id(record) == 2 && Interlocked.Increment(ref refusals) == 1, Locked);
        var settings = new LinkSettings { BatchSize = 5, Parallelism = 1, AutomatedReplay = true, ReplayDelays = [TimeSpan.Zero] };

        var outcome = await harness.RunAsync(RecoveryHarness.Link(ListSource.Paged(1, 5), target, settings));

        outcome.Replays.ShouldHaveSingleItem().Status.ShouldBe(RunStatus.Succeeded);
        // Routes hold the first and drop it at the second: nobody hears of a failure that replay fixed.
        harness.Alerts.Raised.Select(alert => (alert.Kind, alert.Recovery))
            .ShouldBe([(AlertKinds.RunFailed, AlertRecovery.InProgress), (AlertKinds.Recovered, AlertRecovery.Succeeded)]);
    }
}
