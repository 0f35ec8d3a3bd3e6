using System.Globalization;

namespace Resync.Connectors.Tests.Http;

/// <summary>
/// Faults overlap: while a page of a numbered API is retried (a 429, a 500), the pages after it are fetched, processed and
/// written; the page keeps its batch number, and a stop while it is retried loses nothing and writes nothing twice.
/// </summary>
public sealed class HttpFaultOverlapTests
{
    private const int Pages = 12;
    private const int Size = 3;
    private const int Total = Pages * Size;
    private const int Faulty = 3;

    /// <summary>
    /// An API of <see cref="Total"/> contacts by page number whose page <see cref="Faulty"/> first answers
    /// <paramref name="firstAnswer"/>, then, retried, waits for <paramref name="release"/> (or for its caller to give up).
    /// </summary>
    private static Task<FakeApi> StartApiAsync(int firstAnswer, Func<Task> release)
    {
        var faultyRequests = 0;
        return FakeApi.StartAsync(async (context, seen) =>
        {
            var page = int.Parse(seen.Parameter("page")!, CultureInfo.InvariantCulture);
            if (page == Faulty)
            {
                if (Interlocked.Increment(ref faultyRequests) == 1)
                {
                    context.Response.Headers.RetryAfter = "1";
                    await FakeApi.Json(context, new { error = "try again" }, firstAnswer);
                    return;
                }
                await release().WaitAsync(Patience.Limit, context.RequestAborted);
            }
            var start = (page - 1) * Size;
            await FakeApi.Json(context, new { items = Contacts.Range(start + 1, Math.Min(start + Size, Total)) });
        });
    }

    private static HttpJsonSource Source(FakeApi api) => new(new HttpSourceOptions
    {
        Url = $"{api.Url}/contacts",
        RecordsPath = "items",
        KeyField = "id",
        Paging = new HttpPaging { Style = HttpPagingStyle.Page, SizeParam = "per_page" },
        Call = TestCalls.Fast(),
    });

    private static int PageOf(SeenRequest request) => int.Parse(request.Parameter("page")!, CultureInfo.InvariantCulture);

    /// <summary>Resolves once the target has been given every page after the faulty one up to <paramref name="last"/>.</summary>
    private static TaskCompletionSource WhenWriting(CollectingTarget target, int last, Action? then = null)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        target.BeforeWrite = (_, _) =>
        {
            if (Enumerable.Range(Faulty + 1, last - Faulty).All(target.BatchesWritten.Contains) && written.TrySetResult())
                then?.Invoke();
            return Task.CompletedTask;
        };
        return written;
    }

    [Fact]
    public async Task Reading_APageBeingRetried_IsHandedOverInItsPlace_AndThePagesAfterItFollowBeforeItArrives()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var api = await StartApiAsync(429, () => release.Task);
        var context = Contacts.Context(ManualTimeProvider.AdvancingOnDelays(), Size) with { TakesPendingPages = true };
        var pages = new List<Resync.Core.Sdk.SourcePage>();

        using var source = Source(api);
        await foreach (var page in source.ReadAsync(context, CancellationToken.None).WithCancellation(CancellationToken.None))
        {
            pages.Add(page);
            if (pages.Count == 6)
                release.TrySetResult(); // page 3's retry is answered only once three pages after it were read
        }

        // On a busy machine the empty page past the end may be slower than the ones before it and be handed over pending too.
        if (pages.Count == Pages + 1 && PageIn(pages[^1].Cursor) == Pages + 1)
        {
            var pastTheEnd = pages[^1].Arrival.ShouldNotBeNull("only a page handed over before its answer came is given past the end");
            (await pastTheEnd.WaitAsync(Patience.Limit)).Records.ShouldBeEmpty();
            pages.RemoveAt(Pages);
        }
        pages.Select(page => PageIn(page.Cursor)).ShouldBe(Enumerable.Range(1, Pages));
        var held = pages[Faulty - 1].Arrival.ShouldNotBeNull();
        (await held.WaitAsync(Patience.Limit)).Records.Select(record => record.Key).ShouldBe(["c7", "c8", "c9"]);
        // On a busy machine another page may merely be slower than the ones after it and be handed over too: each arrives whole.
        foreach (var page in pages.Where((_, index) => index != Faulty - 1))
            (page.Arrival is { } arrival ? await arrival.WaitAsync(Patience.Limit) : page).Records.Count.ShouldBe(Size, page.Cursor);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    public async Task PageBeingRetried_DoesNotStallTheLaterPages_AndKeepsItsBatchNumber(int firstAnswer)
    {
        var target = new CollectingTarget();
        // The retry of page 3 is answered only once pages 4 to 8 are being written: a run that waited for it would never end.
        var laterWritten = WhenWriting(target, 8);
        await using var api = await StartApiAsync(firstAnswer, () => laterWritten.Task);
        await using var engine = await EngineRun.StartAsync();

        var (result, batches) = await engine.RunAsync(Source(api), target, EngineRun.Settings(Size)).WaitAsync(Patience.Limit);

        result.Status.ShouldBe(RunStatus.Succeeded);
        // On a busy machine the empty page past the end may be slower than the ones after it and be handed over pending too:
        // it is then a batch that read nothing.
        var pastTheEnd = batches.Count == Pages + 1 ? 1 : 0;
        result.Counts.ShouldBe(new RunCounts(Total, Total, 0, 0, 0, 0, Pages + pastTheEnd, 0));
        (result.Counts.Succeeded + result.Counts.Failed + result.Counts.Ignored + result.Counts.Incomplete).ShouldBe(result.Counts.Read);
        batches.Select(b => (b.Number, PageIn(b.Cursor!), b.Read)).ShouldBe(
            Enumerable.Range(1, Pages).Select(n => (n, n, Size)).Concat(Enumerable.Repeat((Pages + 1, Pages + 1, 0), pastTheEnd)), "batch numbers in source order");
        var order = target.BatchesWritten.ToList();
        order.IndexOf(Faulty).ShouldBeGreaterThan(order.IndexOf(8), "page 3 was written after the pages after it");
        target.Written.Select(r => r.Key).Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(1, Total).Select(i => $"c{i}").Order(StringComparer.Ordinal));
        api.Requests.Count(r => PageOf(r) == Faulty).ShouldBe(2);
    }

    [Fact]
    public async Task StopWhileAPageIsRetried_ResumesAtThatPage_AndWritesNothingTwice()
    {
        using var stop = new CancellationTokenSource();
        var target = new CollectingTarget();
        var laterWritten = WhenWriting(target, 8, stop.Cancel);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Page 3's retry waits until the run is stopped (its request is then abandoned); the resume finds it answering.
        await using var api = await StartApiAsync(500, () => release.Task);
        await using var engine = await EngineRun.StartAsync();
        var source = Source(api);
        var link = new Link("http-overlap", source, [], target, EngineRun.Settings(Size));
        var runner = engine.Runner;

        var outcome = await runner.RunAsync(link, new RunRequest(), cancellationToken: stop.Token).WaitAsync(Patience.Limit);

        laterWritten.Task.IsCompleted.ShouldBeTrue();
        outcome.Run.Status.ShouldBe(RunStatus.Interrupted);
        var batches = await engine.Store.ListBatchesAsync(outcome.Run.RunId, 0, 100, CancellationToken.None);
        var cut = batches.Single(b => b.Number == Faulty);
        // On a busy machine the empty page past the end can be handed over pending too, and is cut with page 3: read again, rightly.
        var cutPages = batches.Where(b => b.Status == BatchStatus.Interrupted && b.Cursor is not null).Select(b => PageIn(b.Cursor!)).ToHashSet();
        (cut.Status, PageIn(cut.Cursor!), cut.Read).ShouldBe((BatchStatus.Interrupted, Faulty, 0));
        var parked = (await engine.Store.GetIncompleteAsync(outcome.IncompleteRunId.ShouldNotBeNull(), CancellationToken.None)).ShouldNotBeNull();
        var lastTaken = PageIn(parked.ResumeCursor.ShouldNotBeNull());
        lastTaken.ShouldBeGreaterThanOrEqualTo(8, "the resume cursor goes past the pages done; page 3 waits as a cut batch");
        var writtenBefore = target.Written.Count;
        var requestsBefore = api.Requests.Count;

        release.TrySetResult();
        var resumed = await runner.RetryIncompleteAsync(link, parked.Id).WaitAsync(Patience.Limit);

        resumed.Status.ShouldBe(RunStatus.Succeeded);
        target.Written.Select(r => r.Key).Order(StringComparer.Ordinal)
            .ShouldBe(Enumerable.Range(1, Total).Select(i => $"c{i}").Order(StringComparer.Ordinal), "every record exactly once");
        target.Written.Skip(writtenBefore).Select(r => r.Key).ShouldContain("c7", "page 3's records were written by the resume");
        var asked = api.Requests.Skip(requestsBefore).Select(PageOf).ToList();
        asked.ShouldContain(Faulty);
        asked.Where(page => !cutPages.Contains(page)).ShouldAllBe(page => page > lastTaken, "no page done before the stop is read again");
        (await engine.Store.GetRunAsync(outcome.Run.RunId, CancellationToken.None))!.Status.ShouldBe(RunStatus.Succeeded);
    }

    private static int PageIn(string url) =>
        int.Parse(System.Text.RegularExpressions.Regex.Match(url, "[?&]page=([0-9]+)").Groups[1].Value, CultureInfo.InvariantCulture);
}
