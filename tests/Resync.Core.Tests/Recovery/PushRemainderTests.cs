using System.Net.Sockets;

namespace Resync.Core.Tests.Recovery;

/// <summary>
/// The remainder of a push (records held, no page can be read again) through retries that stop again, and the scheduler's
/// retries of parked remainders.
/// </summary>
public sealed class PushRemainderTests
{
    private static readonly LinkSettings Settings = new() { BatchSize = 10, Parallelism = 1 };

    [Fact]
    public async Task PushRemainder_RetriedThreeTimes_TheTargetFailingAtADifferentPointEachTime_WritesEveryRecordOnce()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget();
        var writes = 0;
        var failAt = 3;
        target.BeforeWrite = (_, _) => ++writes == failAt ? throw TargetDown() : Task.CompletedTask;
        var pushed = RecoveryHarness.Link(new HeldPages(ListSource.Paged(10, 10)), target, Settings);
        var link = RecoveryHarness.Link(new PushEndpointSource(), target, Settings);

        // A push's run (a manual run of a source that cannot read on would leave its unread pages to a person).
        var first = await harness.Runner.RunAsync(pushed, new RunRequest(RunKind.Push, "push", null, null));
        first.Run.Status.ShouldBe(RunStatus.Failed);
        var incompleteId = first.IncompleteRunId.ShouldNotBeNull();

        // Each retry stops at another point (after 1, 0 and 3 batches): what it did not get to is parked again, values and all.
        foreach (var okBeforeFailure in new[] { 1, 0, 3 })
        {
            failAt = writes + okBeforeFailure + 1;
            var resumed = await harness.Runner.RetryIncompleteAsync(link, incompleteId);
            resumed.Status.ShouldBe(RunStatus.Failed);
            resumed.Counts.IsBalanced.ShouldBeTrue();
            var parked = await harness.Store.ListIncompleteAsync(new IncompleteFilter(RunId: resumed.RunId), CancellationToken.None);
            incompleteId = parked.ShouldHaveSingleItem().Id;
            var waiting = await harness.Store.ListRecordsAsync(resumed.RunId, new RecordFilter(Limit: 1000) { Outcomes = [Records.OutcomeKind.Failed, Records.OutcomeKind.Incomplete] },
                CancellationToken.None);
            waiting.Count.ShouldBe(100 - target.Written.Count, "every record not yet written waits in the remainder, with its values");
            waiting.ShouldAllBe(record => record.BeforeJson != null);
        }

        failAt = 0;
        var last = await harness.Runner.RetryIncompleteAsync(link, incompleteId);

        last.Status.ShouldBe(RunStatus.Succeeded);
        target.ShouldHoldEachOfTheFirst(100, "every record once, none twice");
        (await harness.RunViewAsync(first.Run.RunId)).Status.ShouldBe(RunStatus.Succeeded);
    }

    [Fact]
    public async Task ParkedRemainder_OfADeactivatedLink_IsNotRetried_AndIsRetriedOnceTheLinkIsActive()
    {
        var clock = new ManualTimeProvider();
        await using var harness = await RecoveryHarness.StartAsync(clock);
        var target = new CollectingTarget().ThrowOnBatch(2, TargetDown());
        var pushed = RecoveryHarness.Link(new HeldPages(ListSource.Paged(4, 10)), target, Settings);
        var link = RecoveryHarness.Link(new PushEndpointSource(), target, Settings);
        var first = await harness.RunAsync(pushed);
        var parked = (await harness.Store.GetIncompleteAsync(first.IncompleteRunId!.Value, CancellationToken.None)).ShouldNotBeNull();
        target.Fix();
        await harness.Store.UpdateLinkHealthAsync(link.Id, link.Tenant, LinkHealth.Healthy with { State = LinkState.Deactivated, StateReason = "by a person" }, CancellationToken.None);
        var gate = new LinkRunGate();
        var scheduler = new LinkScheduler(new FixedLinks(link), harness.Runner, harness.Store, clock, gate);
        clock.Advance(TimeSpan.FromHours(1));

        (await scheduler.StartDueRunsAsync(CancellationToken.None)).ShouldBeNull("nothing of a deactivated link is due");

        gate.IsBusy(link.Id).ShouldBeFalse("no retry started");
        (await harness.Store.GetIncompleteAsync(parked.Id, CancellationToken.None))!.Status.ShouldBe(IncompleteStatus.Scheduled);

        await harness.Store.UpdateLinkHealthAsync(link.Id, link.Tenant, LinkHealth.Healthy, CancellationToken.None);
        var ended = new TaskCompletionSource<ScheduledRun>(TaskCreationOptions.RunContinuationsAsynchronously);
        scheduler.RunEnded += run => ended.TrySetResult(run);
        await scheduler.StartDueRunsAsync(CancellationToken.None);
        var resumed = (await ended.Task.WaitAsync(TimeSpan.FromMinutes(1))).Result.ShouldNotBeNull();

        resumed.Status.ShouldBe(RunStatus.Succeeded);
        target.ShouldHoldEachOfTheFirst(40);
    }

    private static HttpRequestException TargetDown() =>
        new("The target refused the connection.", new SocketException((int)SocketError.ConnectionRefused));

    /// <summary>A push's records, as the engine gets them: held in memory, read on after a page.</summary>
    private sealed class HeldPages(ListSource pages) : IHeldRecordsSource, ISource
    {
        public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) => pages.ReadAsync(context, cancellationToken);

        public IAsyncEnumerable<SourcePage> ReadAfterAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
            pages.ReadAfterAsync(cursor, context, cancellationToken);

        public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
            throw new NotSupportedException("Pushed records cannot be fetched again.");
    }

    /// <summary>The link's own source, as the scheduler sees a push link: nothing to read, no page to fetch again.</summary>
    private sealed class PushEndpointSource : ISource
    {
        public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("A push link has nothing to pull.");

        public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
            throw new NotSupportedException("Pushed records cannot be fetched again.");
    }
}
