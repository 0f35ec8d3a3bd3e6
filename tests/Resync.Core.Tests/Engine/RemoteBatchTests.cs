namespace Resync.Core.Tests.Engine;

/// <summary>A batch processed by a worker of another process (cluster mode), on a real SQLite store.</summary>
public sealed class RemoteBatchTests
{
    [Fact]
    public async Task Process_RedeliveredAfterItsResultWasStored_DoesNotWriteTheTargetAgain_AndReportsAsStored()
    {
        await using var harness = await EngineHarness.StartAsync();
        var (link, target, run) = await StartRunAsync(harness);
        var work = new BatchWork(1, "page=1", TestRecords.Contacts(1, 5));
        var first = await RemoteBatch.ProcessAsync(link, run, work, harness.Store, harness.Clock, redelivered: false, CancellationToken.None);

        var again = await RemoteBatch.ProcessAsync(link, run, work, harness.Store, harness.Clock, redelivered: true, CancellationToken.None);

        target.Written.Count.ShouldBe(5);
        (again.Result.Status, again.Result.Read, again.Result.Succeeded).ShouldBe((first.Result.Status, 5, 5));
        (await harness.GetRunAsync(run.RunId)).Counts.ShouldBe(new RunCounts(5, 5, 0, 0, 0, 0, 1, 0));
    }

    [Fact]
    public async Task Process_RedeliveredBeforeItsResultWasStored_WritesAndStoresIt()
    {
        await using var harness = await EngineHarness.StartAsync();
        var (link, target, run) = await StartRunAsync(harness);
        // The first worker noted the batch and died before storing its result.
        await harness.Store.BatchStartedAsync(run.RunId, 1, "page=1", 5, harness.Clock.GetUtcNow(), CancellationToken.None);

        var report = await RemoteBatch.ProcessAsync(link, run, new BatchWork(1, "page=1", TestRecords.Contacts(1, 5)), harness.Store, harness.Clock,
            redelivered: true, CancellationToken.None);

        report.Result.Succeeded.ShouldBe(5);
        target.Written.Count.ShouldBe(5);
        (await harness.GetRunAsync(run.RunId)).Counts.ShouldBe(new RunCounts(5, 5, 0, 0, 0, 0, 1, 0));
    }

    /// <summary>A link to a collecting target, and a run of it started as the engine starts one before it hands batches out.</summary>
    private static async Task<(Link Link, CollectingTarget Target, RemoteRun Run)> StartRunAsync(EngineHarness harness)
    {
        var target = new CollectingTarget();
        var link = EngineHarness.Link(new ListSource(), target);
        await harness.Store.EnsureLinkAsync(link.Id, link.Tenant, CancellationToken.None);
        var runId = await harness.Store.CreateRunAsync(
            new NewRun(link.Id, link.Tenant, RunKind.Manual, "test", null, null, RunOwner.Current, harness.Clock.GetUtcNow()), CancellationToken.None);
        return (link, target, new RemoteRun(runId, link.Id, link.Tenant, runId));
    }
}
