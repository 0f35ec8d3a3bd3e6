using System.Globalization;
using System.Net.Sockets;

namespace Resync.Connectors.Tests.Http;

public sealed class HttpResumeTests
{
    private const int Total = 23;

    /// <summary>An API that pages <see cref="Total"/> contacts by page number, offset, cursor or next link, whichever is asked.</summary>
    private static Task<FakeApi> StartApiAsync() => FakeApi.StartAsync((context, seen) =>
    {
        var size = Contacts.Number(seen.Parameter("limit") ?? seen.Parameter("per_page"), 3);
        var start = seen.Parameter("page") is { } page ? (int.Parse(page, CultureInfo.InvariantCulture) - 1) * size
            : Contacts.Number(seen.Parameter("offset") ?? seen.Parameter("cursor") ?? seen.Parameter("from"), 0);
        var more = start + size < Total;
        return FakeApi.Json(context, new
        {
            items = Contacts.Range(start + 1, Math.Min(start + size, Total)),
            next = more ? (start + size).ToString(CultureInfo.InvariantCulture) : null,
            nextLink = more ? $"{seen.Path}?from={start + size}" : null,
        });
    });

    private static HttpPaging Paging(HttpPagingStyle style) => style switch
    {
        HttpPagingStyle.Page => new HttpPaging { Style = style, SizeParam = "per_page" },
        HttpPagingStyle.Offset => new HttpPaging { Style = style },
        HttpPagingStyle.Cursor => new HttpPaging { Style = style, CursorPath = "next", SizeParam = "limit" },
        _ => new HttpPaging { Style = style, NextLinkPath = "nextLink" },
    };

    private static HttpJsonSource Source(FakeApi api, HttpPagingStyle style) => new(new HttpSourceOptions
    {
        Url = $"{api.Url}/contacts",
        RecordsPath = "items",
        KeyField = "id",
        Paging = Paging(style),
        Call = new HttpCallSettings { RetryAttempts = 1, RetryDelay = TimeSpan.FromMilliseconds(10) },
    });

    [Theory]
    [InlineData(HttpPagingStyle.Page)]
    [InlineData(HttpPagingStyle.Offset)]
    [InlineData(HttpPagingStyle.Cursor)]
    [InlineData(HttpPagingStyle.NextLink)]
    public async Task ReadAfter_APagesCursor_ReadsExactlyThePagesAfterIt(HttpPagingStyle style)
    {
        await using var api = await StartApiAsync();
        using var source = Source(api, style);
        var context = Contacts.Context(ManualTimeProvider.AdvancingOnDelays());
        var all = await SourceReading.ReadAllAsync(source, context);

        var after = await SourceReading.ReadAfterAsync(source, all[2].Cursor, context);

        all.SelectMany(p => p.Records).Count().ShouldBe(Total);
        after.Select(p => p.Cursor).ShouldBe(all.Skip(3).Select(p => p.Cursor));
        after.SelectMany(p => p.Records).Select(r => r.Key).ShouldBe(Enumerable.Range(10, Total - 9).Select(i => $"c{i}"));
    }

    [Fact]
    public async Task ReadAfter_ACursorOfAnotherOrigin_IsRefused()
    {
        await using var api = await StartApiAsync();

        var refused = await Should.ThrowAsync<ArgumentException>(() =>
            SourceReading.ReadAfterAsync(Source(api, HttpPagingStyle.Page), "http://127.0.0.2:1/contacts?page=2", Contacts.Context(ManualTimeProvider.AdvancingOnDelays())));

        refused.Message.ShouldContain("is not a URL of this source");
    }

    [Theory]
    [InlineData(HttpPagingStyle.Page)]
    [InlineData(HttpPagingStyle.Cursor)]
    public async Task TargetDownMidRun_IncompleteRetry_ReadsThePagesNeverRead_AndWritesEveryRecordOnce(HttpPagingStyle style)
    {
        // Regression: an HTTP source could not resume, so the resume wrote the cut pages, said Succeeded, and the rest was never read.
        await using var api = await StartApiAsync();
        await using var engine = await EngineRun.StartAsync();
        var target = new CollectingTarget()
            .ThrowOnBatch(3, new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)));
        var link = new Link("http-resume", Source(api, style), [], target, EngineRun.Settings() with { Parallelism = 1, CallRetryAttempts = 1 });
        var runner = engine.Runner;

        var outcome = await runner.RunAsync(link, new RunRequest());

        outcome.Run.Status.ShouldBe(RunStatus.Failed);
        var parked = (await engine.Store.GetIncompleteAsync(outcome.IncompleteRunId!.Value, CancellationToken.None)).ShouldNotBeNull();
        parked.ResumeCursor.ShouldNotBeNull();
        outcome.Run.Counts.Read.ShouldBeLessThan(Total, "the run stopped before reading everything");

        target.Fix();
        var resumed = await runner.RetryIncompleteAsync(link, parked.Id);

        resumed.Status.ShouldBe(RunStatus.Succeeded);
        target.Written.Select(r => r.Key).Order(StringComparer.Ordinal)
            .ShouldBe(Enumerable.Range(1, Total).Select(i => $"c{i}").Order(StringComparer.Ordinal), "every record once, none lost");
        (await engine.Store.GetRunAsync(outcome.Run.RunId, CancellationToken.None))!.Status.ShouldBe(RunStatus.Succeeded);
    }
}
