namespace Resync.Core.Tests.Engine;

/// <summary>
/// Faults overlap: a page still coming (its source retrying it) keeps its place and batch number while the pages after it
/// are taken, processed and written.
/// </summary>
public sealed class RunEnginePendingPageTests
{
    [Fact]
    public async Task PageStillComing_DoesNotStallTheLaterPages_AndKeepsItsBatchNumber()
    {
        await using var harness = await EngineHarness.StartAsync();
        var (source, laterWritten) = PageTwoHeld(6);
        var target = new CollectingTarget();
        // Page 2 arrives only once the target has been given pages 3 to 6: a run that waited for it would never end.
        target.BeforeWrite = (batch, _) =>
        {
            if (new[] { 3, 4, 5, 6 }.All(target.BatchesWritten.Contains))
                laterWritten.TrySetResult();
            return Task.CompletedTask;
        };

        var result = await harness.RunAsync(EngineHarness.Link(source, target)).WaitAsync(EngineHarness.Patience);

        result.Status.ShouldBe(RunStatus.Succeeded);
        result.Counts.ShouldBe(new RunCounts(30, 30, 0, 0, 0, 0, 6, 0));
        target.BatchesWritten[^1].ShouldBe(2, "page 2 was written last, after the pages that follow it");
        var batches = await harness.BatchesAsync(result.RunId);
        batches.Select(b => (b.Number, b.Cursor, b.Read)).ShouldBe([(1, "1", 5), (2, "2", 5), (3, "3", 5), (4, "4", 5), (5, "5", 5), (6, "6", 5)]);
        target.ShouldHoldEachOfTheFirst(30);
        result.LastCursor.ShouldBe("6");
    }

    [Fact]
    public async Task PageStillComing_IsNotedInItsPlaceBeforeTheLaterPagesAreWritten()
    {
        // So that a crash while it is retried finds batch 2 unfinished (fetched again by its cursor), not a gap before 3.
        await using var harness = await EngineHarness.StartAsync();
        var (source, release) = PageTwoHeld(3);
        var target = new CollectingTarget();
        IReadOnlyList<Storage.BatchView>? whileComing = null;
        target.BeforeWrite = async (batch, _) =>
        {
            if (batch.BatchNumber != 3)
                return;
            whileComing = await harness.BatchesAsync(batch.RunId);
            release.TrySetResult();
        };

        var result = await harness.RunAsync(EngineHarness.Link(source, target)).WaitAsync(EngineHarness.Patience);

        result.Status.ShouldBe(RunStatus.Succeeded);
        var held = whileComing.ShouldNotBeNull().Single(b => b.Number == 2);
        (held.Status, held.Cursor, held.Read).ShouldBe((BatchStatus.Processing, "2", 0));
    }

    [Fact]
    public async Task PageStillComing_ThatArrivesFailed_IsAFailedBatchInItsPlace()
    {
        await using var harness = await EngineHarness.StartAsync();
        var (source, laterWritten) = PageTwoHeld(4);
        source.FailPage(2, new ResyncException(new ErrorClassification(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.Timeout, "GET page 2 did not answer (after 3 attempts)", null)));
        var target = new CollectingTarget();
        target.BeforeWrite = (batch, _) =>
        {
            if (batch.BatchNumber == 4)
                laterWritten.TrySetResult();
            return Task.CompletedTask;
        };

        var result = await harness.RunAsync(EngineHarness.Link(source, target)).WaitAsync(EngineHarness.Patience);

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.Counts.ShouldBe(new RunCounts(15, 15, 0, 0, 0, 0, 4, 1));
        var failed = (await harness.BatchesAsync(result.RunId)).Single(b => b.Status == BatchStatus.Failed);
        (failed.Number, failed.Cursor, failed.Read, failed.Error!.Code).ShouldBe((2, "2", 0, ErrorCodes.Timeout));
    }

    [Fact]
    public async Task RunStoppedWhileAPageIsStillComing_KeepsThatPageAsCut_AndTheLaterPagesAsDone()
    {
        await using var harness = await EngineHarness.StartAsync();
        using var stop = new CancellationTokenSource();
        var (source, _) = PageTwoHeld(5); // page 2 never comes
        var target = new CollectingTarget();
        var stored = 0;
        target.BeforeWrite = (batch, _) =>
        {
            if (batch.BatchNumber == 5 && Interlocked.Increment(ref stored) == 1)
                stop.Cancel();
            return Task.CompletedTask;
        };

        var result = await harness.RunAsync(EngineHarness.Link(source, target), stop.Token).WaitAsync(EngineHarness.Patience);

        result.Status.ShouldBe(RunStatus.Interrupted);
        var batches = await harness.BatchesAsync(result.RunId);
        var cut = batches.Single(b => b.Number == 2);
        (cut.Status, cut.Cursor, cut.Read).ShouldBe((BatchStatus.Interrupted, "2", 0));
        batches.Where(b => b.Number != 2).ShouldAllBe(b => b.Status == BatchStatus.Succeeded);
        result.LastCursor.ShouldBe("5", "the resume reads after the last page taken; page 2 is carried as a cut batch");
        target.BatchesWritten.ShouldNotContain(2);
    }

    [Fact]
    public async Task SequentialProcessing_IsNotOfferedPagesStillComing_AndWritesInSourceOrder()
    {
        await using var harness = await EngineHarness.StartAsync();
        var (source, release) = PageTwoHeld(3);
        var target = new CollectingTarget();
        source.AfterPageTaken = page =>
        {
            if (page == 1)
                release.TrySetResult();
        };

        var result = await harness.RunAsync(EngineHarness.Link(source, target, new LinkSettings { SequentialProcessing = true, BatchSize = 5 }))
            .WaitAsync(EngineHarness.Patience);

        result.Status.ShouldBe(RunStatus.Succeeded);
        source.Contexts.ShouldAllBe(context => !context.TakesPendingPages);
        target.Written.Select(TestRecords.Id).ShouldBe(Enumerable.Range(1, 15).Select(i => (long)i));
    }

    [Fact]
    public async Task SourceGivingAPageStillComing_ToAReaderThatDoesNotTakeThem_IsWaitedForInPlace()
    {
        await using var harness = await EngineHarness.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var target = new CollectingTarget();
        var source = new PendingRegardless(ListSource.Paged(3, 5), release.Task);

        var running = harness.RunAsync(EngineHarness.Link(source, target, new LinkSettings { SequentialProcessing = true, BatchSize = 5 }));
        await source.Offered.WaitAsync(EngineHarness.Patience);
        release.TrySetResult();
        var result = await running.WaitAsync(EngineHarness.Patience);

        result.Status.ShouldBe(RunStatus.Succeeded);
        target.Written.Select(TestRecords.Id).ShouldBe(Enumerable.Range(1, 15).Select(i => (long)i), "in source order");
    }

    /// <summary>A plug-in that gives its first page as still coming whatever the reader says.</summary>
    private sealed class PendingRegardless(ListSource inner, Task release) : ISource
    {
        private readonly TaskCompletionSource _offered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Offered => _offered.Task;

        public async IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var first = true;
            await foreach (var page in inner.ReadAsync(context, cancellationToken))
            {
                if (first)
                {
                    first = false;
                    _offered.TrySetResult();
                    yield return SourcePage.Pending(page.Cursor, ArriveAsync(page));
                    continue;
                }
                yield return page;
            }
        }

        public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) => inner.FetchPageAsync(cursor, context, cancellationToken);

        private async Task<SourcePage> ArriveAsync(SourcePage page)
        {
            await release;
            return page;
        }
    }

    /// <summary><paramref name="pages"/> pages of five, whose page 2 comes only once the test completes the returned task.</summary>
    private static (ListSource Source, TaskCompletionSource Release) PageTwoHeld(int pages)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return (ListSource.Paged(pages, 5).HoldPage(2, release.Task), release);
    }
}
