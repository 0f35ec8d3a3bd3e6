using RabbitMQ.Client;
using Resync.Core.Engine;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Testing;

namespace Resync.Messaging.RabbitMq.Tests;

/// <summary>Runs through a real broker and a real PostgreSQL store, with workers taking the batches from the queue.</summary>
public sealed class RabbitMqBatchDispatcherTests
{
    private const int Pages = 12;
    private const int PageSize = 25;

    [Fact]
    public async Task Run_WithTwoWorkers_AccountsEveryRecordOnce_AndEndsAsInProcess()
    {
        await using var cluster = await ClusterHarness.StartAsync();
        var target = new CollectingTarget();
        var link = Link(ListSource.Paged(Pages, PageSize), target);
        await cluster.StartWorkerAsync(_ => link);
        await cluster.StartWorkerAsync(_ => link);

        var result = await cluster.RunAsync(link);

        ShouldHaveWrittenEveryRecordOnce(result, target);
    }

    [Fact]
    public async Task Run_WithRecordErrors_StoresTheFailedRecordsOnce_AsInProcess()
    {
        await using var cluster = await ClusterHarness.StartAsync();
        var target = new CollectingTarget().Refuse(record => TestRecords.Id(record) % 10 == 0,
            new ErrorClassification(ErrorType.Data, Durability.Durable, "REFUSED", "refused by the test"));
        var link = Link(ListSource.Paged(Pages, PageSize), target);
        await cluster.StartWorkerAsync(_ => link);

        var result = await cluster.RunAsync(link);

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.Counts.Failed.ShouldBe(Pages * PageSize / 10);
        var failed = await cluster.Store.ListRecordsAsync(result.RunId, new RecordFilter(OutcomeKind.Failed, 0, 10_000), CancellationToken.None);
        failed.Count.ShouldBe(Pages * PageSize / 10);
    }

    [Fact]
    public async Task Worker_WhoseChannelTheBrokerKills_OpensItAgain_AndTheRunEnds()
    {
        // The hang of runs on a freshly started broker: the broker closed a worker's channel (consuming a quorum queue declared a
        // moment before), the client does not recover a channel closed on its own, and the worker sat idle while its batches waited.
        await using var cluster = await ClusterHarness.StartAsync();
        var target = new CollectingTarget();
        var link = Link(ListSource.Paged(Pages, PageSize), target);
        var worker = await cluster.StartWorkerAsync(_ => link);
        using var safetyNet = new CancellationTokenSource(Patience.Limit);
        while (await cluster.Broker.KillChannelsAsync(worker.LocalPort, safetyNet.Token) == 0)
        {
            // The worker has not opened its channel yet.
        }

        var result = await cluster.RunAsync(link);

        result.Status.ShouldBe(RunStatus.Succeeded);
        result.Counts.ShouldBe(new RunCounts(Pages * PageSize, Pages * PageSize, 0, 0, 0, 0, Pages, 0));
        cluster.WorkerEvents.All.ShouldContain(logged => logged.Id == 7004, "the worker saw its channel go");
    }

    [Fact]
    public async Task Worker_WhoseBrokerDoesNotAnswerInTime_KeepsTrying_AndTakesTheRunOnceItAnswers()
    {
        // The client reports a broker that did not answer within its continuation timeout as a cancellation nobody asked for:
        // taken for the worker's own stop, it ended the worker's loop while its process lived on, and the run waiting for
        // its batches hung (seen on a busy machine, where declaring a quorum queue can take that long).
        await using var cluster = await ClusterHarness.StartAsync(ownBroker: true);
        var target = new CollectingTarget();
        var link = Link(ListSource.Paged(Pages, PageSize), target);
        var connection = await ClusterHarness.RecoveringConnectionAsync(cluster.Settings, "worker", TimeSpan.FromSeconds(1));
        await cluster.Broker.PauseAsync();
        try
        {
            cluster.StartWorker(connection, _ => link);
            using var safetyNet = new CancellationTokenSource(Patience.Limit);
            while (cluster.WorkerEvents.All.Count(logged => logged.Id == 7004 && logged.Message.Contains("did not answer in time", StringComparison.Ordinal)) < 2)
                await Task.Delay(50, safetyNet.Token);
        }
        finally
        {
            await cluster.Broker.ResumeAsync();
        }

        var result = await cluster.RunAsync(link);

        ShouldHaveWrittenEveryRecordOnce(result, target);
    }

    [Fact]
    public async Task Engine_WhoseBrokerDoesNotAnswerInTime_PublishesOnceItAnswers_AndTheRunEnds()
    {
        // The same cancellation nobody asked for, on the engine's side: it ended the run while its channels opened.
        await using var cluster = await ClusterHarness.StartAsync(ownBroker: true, engineWaitsFor: TimeSpan.FromSeconds(1));
        var target = new CollectingTarget();
        var link = Link(ListSource.Paged(Pages, PageSize), target);
        await cluster.StartWorkerAsync(_ => link);
        await cluster.Broker.PauseAsync();
        Task<RunResult> running;
        try
        {
            running = Task.Run(() => cluster.RunAsync(link));
            await Task.Delay(TimeSpan.FromSeconds(4)); // the engine's first calls to the broker time out, more than once
        }
        finally
        {
            await cluster.Broker.ResumeAsync();
        }

        var result = await running;

        ShouldHaveWrittenEveryRecordOnce(result, target);
    }

    [Fact]
    public async Task Worker_KilledMidBatch_ItsBatchIsDeliveredAgainAndCountedOnce()
    {
        await using var cluster = await ClusterHarness.StartAsync();
        var target = new CollectingTarget();
        var link = Link(ListSource.Paged(Pages, PageSize), target);
        var doomedHolds = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var afterDeath = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var doomedTarget = new CollectingTarget
        {
            // The doomed worker writes batch 3 and never gets further: its process "dies" with the batch unacknowledged.
            BeforeWrite = async (batch, _) =>
            {
                if (batch.BatchNumber != 3)
                    return;
                doomedHolds.TrySetResult();
                await afterDeath.Task;
            },
        };
        var doomedLink = Link(ListSource.Paged(Pages, PageSize), doomedTarget);
        await using var doomed = await cluster.StartKillableWorkerAsync(_ => doomedLink);
        var running = Task.Run(() => cluster.RunAsync(link));
        if (await Task.WhenAny(doomedHolds.Task, running).WaitAsync(Patience.Limit) == running)
            throw new InvalidOperationException($"The run ended before the doomed worker held batch 3: {(await running).Status}");
        await cluster.StartWorkerAsync(_ => link);

        // The connection dies as with a killed process: the broker hands its unacknowledged batches to the other worker.
        await doomed.DisposeAsync();
        var result = await running;
        afterDeath.SetResult(); // what the dead worker still does cannot reach the broker

        result.Status.ShouldBe(RunStatus.Succeeded);
        result.Counts.ShouldBe(new RunCounts(Pages * PageSize, Pages * PageSize, 0, 0, 0, 0, Pages, 0));
        var batches = await cluster.Store.ListBatchesAsync(result.RunId, 0, 100, CancellationToken.None);
        batches.Select(batch => batch.Number).Order().ShouldBe(Enumerable.Range(1, Pages));
        target.BatchesWritten.ShouldContain(3);
    }

    [Fact]
    public async Task Broker_RestartedMidRun_RunCompletesWithNothingLost()
    {
        await using var cluster = await ClusterHarness.StartAsync(ownBroker: true);
        var target = new CollectingTarget();
        var source = ListSource.Paged(Pages, PageSize);
        var link = Link(source, target);
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restarted = new ManualResetEventSlim();
        source.AfterPageTaken = number =>
        {
            // The reader stops after page 6 until the broker has been stopped and started again.
            if (number != Pages / 2)
                return;
            halfway.TrySetResult();
            restarted.Wait(Patience.Limit);
        };
        await cluster.StartWorkerAsync(_ => link);
        var running = Task.Run(() => cluster.RunAsync(link));
        await halfway.Task.WaitAsync(Patience.Limit);

        await cluster.Broker.StopForAWhileAsync();
        await cluster.Broker.StartAgainAsync();
        restarted.Set();
        var result = await running;

        result.Status.ShouldBe(RunStatus.Succeeded);
        result.Counts.ShouldBe(new RunCounts(Pages * PageSize, Pages * PageSize, 0, 0, 0, 0, Pages, 0));
        target.Written.Select(TestRecords.Id).Distinct().Count().ShouldBe(Pages * PageSize);
        restarted.Dispose();
    }

    [Fact]
    public async Task Batch_NoWorkerCanProcess_GoesToTheDeadLetterQueue_AndIsStoredAsAFailedBatch()
    {
        await using var cluster = await ClusterHarness.StartAsync();
        var link = Link(ListSource.Paged(2, PageSize), new CollectingTarget());
        await cluster.StartWorkerAsync(_ => null); // knows no link: refuses every batch

        var result = await cluster.RunAsync(link);

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.Counts.ShouldBe(new RunCounts(2 * PageSize, 0, 2 * PageSize, 0, 0, 0, 2, 2));
        var run = (await cluster.Store.GetRunAsync(result.RunId, CancellationToken.None)).ShouldNotBeNull();
        run.BatchErrors.ShouldNotBeEmpty();
        var batches = await cluster.Store.ListBatchesAsync(result.RunId, 0, 100, CancellationToken.None);
        batches.ShouldAllBe(batch => batch.Status == BatchStatus.Failed && batch.Error!.Code == ErrorCodes.BatchUndeliverable && batch.Cursor != null);
    }

    [Fact]
    public async Task Run_OfASequentialLink_KeepsItsBatchesInProcess()
    {
        await using var cluster = await ClusterHarness.StartAsync();
        var target = new CollectingTarget();
        var link = Link(ListSource.Paged(3, PageSize), target, new LinkSettings { SequentialProcessing = true });

        var result = await cluster.RunAsync(link); // no worker runs: only the engine's own process can have written

        result.Status.ShouldBe(RunStatus.Succeeded);
        target.Written.Count.ShouldBe(3 * PageSize);
    }

    private static void ShouldHaveWrittenEveryRecordOnce(RunResult result, CollectingTarget target)
    {
        result.Status.ShouldBe(RunStatus.Succeeded);
        result.Counts.ShouldBe(new RunCounts(Pages * PageSize, Pages * PageSize, 0, 0, 0, 0, Pages, 0));
        target.ShouldHoldEachOfTheFirst(Pages * PageSize);
    }

    private static Link Link(ListSource source, CollectingTarget target, LinkSettings? settings = null) =>
        new("contacts", source, [], target, settings ?? new LinkSettings { Parallelism = 4 });
}
