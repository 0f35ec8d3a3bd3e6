using System.Net;
using System.Text.Json;
using static Resync.Testing.TestRecords;

namespace Resync.Core.Tests.Engine;

/// <summary>Every record read is accounted for, the watermark moves only after a clean run, and batches run once each.</summary>
public sealed class RunEngineAccountingTests
{
    [Fact]
    public async Task EmptySource_SucceedsWithNothingRead()
    {
        await using var harness = await EngineHarness.StartAsync();

        var result = await harness.RunAsync(EngineHarness.Link(new ListSource(), new CollectingTarget()));

        result.Status.ShouldBe(RunStatus.Succeeded);
        result.Counts.ShouldBe(RunCounts.Zero);
    }

    [Fact]
    public async Task CleanRun_Succeeds_AndStoresItsTimesFromTheClock()
    {
        await using var harness = await EngineHarness.StartAsync();
        harness.Clock.Advance(TimeSpan.FromHours(3));
        var target = new CollectingTarget();

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(3, 4), target));

        result.Status.ShouldBe(RunStatus.Succeeded);
        result.Counts.ShouldBe(new RunCounts(12, 12, 0, 0, 0, 0, 3, 0));
        target.Written.Count.ShouldBe(12);
        var run = await harness.GetRunAsync(result.RunId);
        (run.LinkId, run.Kind, run.Trigger).ShouldBe((EngineHarness.LinkId, RunKind.Manual, "test"));
        run.StartedAt.ShouldBe(ManualTimeProvider.DefaultStart.AddHours(3));
        run.EndedAt.ShouldBe(ManualTimeProvider.DefaultStart.AddHours(3));
        (await harness.RecordsAsync(result.RunId)).ShouldBeEmpty();
    }

    [Fact]
    public async Task MixedFailures_EveryRecordReadIsAccountedFor()
    {
        await using var harness = await EngineHarness.StartAsync();
        var required = new ErrorClassification(ErrorType.Data, Durability.Durable, ErrorCodes.Required, "email is required", "Map it.", ["email"]);
        var source = ListSource.Paged(8, 10).FailPage(3, new JsonException("truncated"));
        var steps = new[]
        {
            DelegateStep.FailWhen("require-email", record => Id(record) % 7 == 0, required),
            DelegateStep.IgnoreWhen("skip", record => Id(record) % 11 == 0, "test contact"),
        };
        var target = new CollectingTarget()
            .Refuse(record => Id(record) % 13 == 0, ErrorClassifier.Default.ClassifySqlState("23505", "duplicate key", "email", null))
            .ThrowOnBatch(5, new HttpRequestException("Bad Request", null, HttpStatusCode.BadRequest));

        var result = await harness.RunAsync(EngineHarness.Link(source, target, new LinkSettings { Parallelism = 3 }, steps));

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.Counts.Read.ShouldBe(70);
        result.Counts.BatchesTotal.ShouldBe(8);
        result.Counts.BatchesFailed.ShouldBe(2);
        result.Counts.Succeeded.ShouldBe(target.Written.Count);
        var kept = await harness.RecordsAsync(result.RunId);
        kept.Count.ShouldBe((int)(result.Counts.Failed + result.Counts.Ignored));
    }

    [Fact]
    public async Task Watermark_MovesOnlyAfterACleanRun()
    {
        await using var harness = await EngineHarness.StartAsync();

        // First run, clean: the watermark becomes the highest change marker seen.
        var first = Source("2025-01-01T10:00:00Z", "2025-01-01T11:00:00Z");
        (await harness.RunAsync(EngineHarness.Link(first, new CollectingTarget()))).Status.ShouldBe(RunStatus.Succeeded);
        first.Contexts.ShouldHaveSingleItem().Watermark.ShouldBeNull();
        (await harness.WatermarkAsync()).ShouldBe("2025-01-01T11:00:00Z");

        // A run with a record error: the next run must fetch the same records again.
        var second = Source("2025-01-01T12:00:00Z", "2025-01-01T12:30:00Z");
        var refusing = new CollectingTarget().Refuse(record => Id(record) == 1,
            new ErrorClassification(ErrorType.Data, Durability.Durable, "HTTP_422", "bad", "fix it"));
        (await harness.RunAsync(EngineHarness.Link(second, refusing))).Status.ShouldBe(RunStatus.CompletedWithErrors);
        second.Contexts.ShouldHaveSingleItem().Watermark.ShouldBe("2025-01-01T11:00:00Z");
        (await harness.WatermarkAsync()).ShouldBe("2025-01-01T11:00:00Z");

        // A run with a failed batch: no move either.
        var third = Source("2025-01-01T13:00:00Z", "2025-01-01T13:30:00Z").FailPage(2, new JsonException("truncated"));
        (await harness.RunAsync(EngineHarness.Link(third, new CollectingTarget()))).Status.ShouldBe(RunStatus.CompletedWithErrors);
        (await harness.WatermarkAsync()).ShouldBe("2025-01-01T11:00:00Z");

        // A failed run: no move.
        var fourth = Source("2025-01-01T14:00:00Z", "2025-01-01T14:30:00Z").ThrowAtFetch(2, new HttpRequestException("Unauthorized", null, HttpStatusCode.Unauthorized));
        (await harness.RunAsync(EngineHarness.Link(fourth, new CollectingTarget()))).Status.ShouldBe(RunStatus.Failed);
        (await harness.WatermarkAsync()).ShouldBe("2025-01-01T11:00:00Z");

        // Clean again: it moves, past everything fetched in between.
        var fifth = Source("2025-01-01T15:00:00Z", "2025-01-01T14:45:00Z");
        (await harness.RunAsync(EngineHarness.Link(fifth, new CollectingTarget()))).Status.ShouldBe(RunStatus.Succeeded);
        fifth.Contexts.ShouldHaveSingleItem().Watermark.ShouldBe("2025-01-01T11:00:00Z");
        (await harness.WatermarkAsync()).ShouldBe("2025-01-01T15:00:00Z");
    }

    [Fact]
    public async Task Watermark_MovesAfterARunWithOnlyIgnoredRecords()
    {
        await using var harness = await EngineHarness.StartAsync();
        var skip = DelegateStep.IgnoreWhen("skip", record => Id(record) == 2, "test contact");

        var result = await harness.RunAsync(EngineHarness.Link(Source("2025-02-01T00:00:00Z", "2025-02-02T00:00:00Z"), new CollectingTarget(), steps: skip));

        result.Status.ShouldBe(RunStatus.Succeeded);
        (await harness.WatermarkAsync()).ShouldBe("2025-02-02T00:00:00Z");
    }

    [Fact]
    public async Task CallerCancels_RunEndsInterrupted_WithBalancedCounts()
    {
        await using var harness = await EngineHarness.StartAsync();
        using var cancellation = new CancellationTokenSource();
        var source = Source("2025-01-01T10:00:00Z", "2025-01-01T11:00:00Z", "2025-01-01T12:00:00Z", "2025-01-01T13:00:00Z");
        source.AfterPageTaken = number =>
        {
            if (number == 2)
                cancellation.Cancel();
        };
        var target = new CollectingTarget();

        var result = await harness.RunAsync(EngineHarness.Link(source, target), cancellation.Token);

        result.Status.ShouldBe(RunStatus.Interrupted);
        result.SystemError.ShouldBeNull();
        result.Counts.ShouldBe(new RunCounts(6, 6, 0, 0, 0, 0, 2, 0));
        source.PagesFetched.ShouldBe(2);
        target.BatchesWritten.Order().ShouldBe([1, 2]);
        (await harness.WatermarkAsync()).ShouldBeNull();
    }

    [Fact]
    public async Task ParallelBatches_AreEachProcessedExactlyOnce()
    {
        await using var harness = await EngineHarness.StartAsync();
        var target = new CollectingTarget();

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(40, 25), target, new LinkSettings { Parallelism = 4 }));

        result.Status.ShouldBe(RunStatus.Succeeded);
        result.Counts.ShouldBe(new RunCounts(1000, 1000, 0, 0, 0, 0, 40, 0));
        target.BatchesWritten.Order().ShouldBe(Enumerable.Range(1, 40));
        target.ShouldHoldEachOfTheFirst(1000);
        var batches = await harness.BatchesAsync(result.RunId);
        batches.Select(batch => batch.Number).ShouldBe(Enumerable.Range(1, 40));
        batches.ShouldAllBe(batch => batch.Status == BatchStatus.Succeeded && batch.Read == 25 && batch.Cursor == batch.Number.ToString());
    }

    [Fact]
    public async Task SequentialProcessing_WritesBatchesInOrder()
    {
        await using var harness = await EngineHarness.StartAsync();
        var target = new CollectingTarget();

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(12, 3), target, new LinkSettings { Parallelism = 4, SequentialProcessing = true }));

        result.Status.ShouldBe(RunStatus.Succeeded);
        // One record per write, so that nothing after a refused record would be written.
        target.BatchesWritten.ShouldBe(Enumerable.Range(1, 12).SelectMany(batch => Enumerable.Repeat(batch, 3)));
        target.Written.Select(Id).ShouldBe(Enumerable.Range(1, 36).Select(id => (long)id));
    }

    [Fact]
    public async Task InvalidSettings_AreRefusedBeforeARunStarts()
    {
        await using var harness = await EngineHarness.StartAsync();
        var link = EngineHarness.Link(ListSource.Paged(1, 1), new CollectingTarget(), new LinkSettings { BatchSize = 0 });

        var exception = await Should.ThrowAsync<ArgumentException>(() => harness.Engine.RunAsync(link, new RunRequest()));

        exception.Message.ShouldContain("batchSize");
        (await harness.Store.ListRunsAsync(new Storage.RunFilter(), CancellationToken.None)).ShouldBeEmpty();
    }

    /// <summary>Pages of three contacts, page n carrying the n-th watermark.</summary>
    private static ListSource Source(params string[] watermarks)
    {
        var source = ListSource.Paged(watermarks.Length, 3);
        for (var i = 0; i < watermarks.Length; i++)
            source.WithWatermark(i + 1, watermarks[i]);
        return source;
    }
}
