using System.Net.Sockets;

namespace Resync.Core.Tests.Recovery;

/// <summary>An incomplete run retried automatically (an ephemeral stop) holds its alerts like automated replay and the backoff schedule.</summary>
public sealed class IncompleteRunAlertTests
{
    private static HttpRequestException TargetDown() =>
        new("The target refused the connection.", new SocketException((int)SocketError.ConnectionRefused));

    /// <summary>Runs 10 pages of 10, one at a time, to a target down at the fourth batch; one automatic attempt for its remainder.</summary>
    private static async Task<(CollectingTarget Target, Link Link, LinkRunOutcome Outcome)> RunStoppedAtTheFourthBatchAsync(RecoveryHarness harness)
    {
        var target = new CollectingTarget();
        var link = RecoveryHarness.Link(ListSource.Paged(10, 10), target.ThrowOnBatch(4, TargetDown()),
            new LinkSettings { BatchSize = 10, Parallelism = 1, BackoffSchedule = [TimeSpan.FromMinutes(1)] });
        return (target, link, await harness.RunAsync(link));
    }

    [Fact]
    public async Task RemainderRetriedAutomatically_ThatGetsThrough_HoldsItsAlert_ThenRaisesOnlyTheRecoveredNote()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var (target, link, outcome) = await RunStoppedAtTheFourthBatchAsync(harness);

        target.Fix();
        var resumed = await harness.Runner.RetryIncompleteAsync(link, outcome.IncompleteRunId!.Value);

        resumed.Status.ShouldBe(RunStatus.Succeeded);
        harness.Alerts.Raised.Select(alert => (alert.Kind, alert.Recovery)).ShouldBe([
            (AlertKinds.RunFailed, AlertRecovery.InProgress),
            (AlertKinds.Recovered, AlertRecovery.Succeeded),
        ], "held while retried automatically; no chain-resolved: nobody was told of the failure");
        harness.Alerts.Raised[0].Message.ShouldContain($"its remainder is incomplete run {outcome.IncompleteRunId}, retried automatically: attempt 1 is due at");
        harness.Alerts.Raised[1].Message.ShouldContain($"resume run {resumed.RunId} got the remainder of run {outcome.Run.RunId} through");
        (await harness.HistoryAsync(outcome.Run.RunId)).ShouldContain(e => e.Kind == RunEventKinds.Alert && e.Message.StartsWith(Alert.HeldPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RemainderWhoseAutomaticAttemptsAreUsedUp_EndsTheHeldAlertsWithTheWaitingAlertAsTheDigest()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var (target, link, outcome) = await RunStoppedAtTheFourthBatchAsync(harness);

        target.ThrowOnBatch(1, TargetDown());
        await harness.Runner.RetryIncompleteAsync(link, outcome.IncompleteRunId!.Value);

        harness.Alerts.Raised.Select(alert => (alert.Kind, alert.Recovery)).ShouldBe([
            (AlertKinds.RunFailed, AlertRecovery.InProgress),
            (AlertKinds.WaitingForAPerson, AlertRecovery.Failed),
        ]);
        harness.Alerts.Raised[1].Message.ShouldContain("waiting for a person");
    }

    [Fact]
    public async Task RemainderOfARunStoppedByADurableError_IsNotHeld_ItWaitsForAPersonAtOnce()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var denied = new HttpRequestException("The target refused the credentials.", null, System.Net.HttpStatusCode.Unauthorized);
        var link = RecoveryHarness.Link(ListSource.Paged(10, 10), new CollectingTarget().ThrowOnBatch(4, denied), new LinkSettings { BatchSize = 10, Parallelism = 1 });

        await harness.RunAsync(link);

        harness.Alerts.Raised.Select(alert => (alert.Kind, alert.Recovery)).ShouldContain((AlertKinds.WaitingForAPerson, AlertRecovery.None));
        harness.Alerts.Raised.ShouldNotContain(alert => alert.Recovery == AlertRecovery.InProgress);
    }
}
