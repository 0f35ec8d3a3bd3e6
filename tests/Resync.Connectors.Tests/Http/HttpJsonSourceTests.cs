using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace Resync.Connectors.Tests.Http;

public sealed class HttpJsonSourceTests
{
    /// <summary>What a pull of three pages of three contacts through the engine came to.</summary>
    private sealed record PagedPull(RunResult Result, IReadOnlyList<BatchView> Batches, CollectingTarget Target, int PageTwoAttempts, IReadOnlyList<TimeSpan> Waits, string Url);

    /// <summary>
    /// Pulls contacts c1–c9, three a page, through the engine; page 2 answers as <paramref name="pageTwo"/> says (given its
    /// attempt, from 1; false: it answers normally). <paramref name="whileRunning"/> drives the clock while the run goes on.
    /// </summary>
    private static async Task<PagedPull> PullWherePageTwoAnswersAsync(Func<HttpContext, int, Task<bool>> pageTwo,
        Func<ManualTimeProvider, CancellationToken, Task>? whileRunning = null)
    {
        var attempts = 0;
        await using var api = await FakeApi.StartAsync(async (context, seen) =>
        {
            var page = Contacts.Number(seen.Parameter("page"), 1);
            if (page == 2 && await pageTwo(context, Interlocked.Increment(ref attempts)))
                return;
            var first = (page - 1) * 3 + 1;
            await FakeApi.Json(context, new { data = new { items = Contacts.Range(first, Math.Min(first + 2, 9)) } });
        });
        await using var engine = await EngineRun.StartAsync();
        var source = HttpJsonSource.Create(new HttpSourceOptions
        {
            Url = $"{api.Url}/contacts",
            RecordsPath = "data.items",
            Paging = new HttpPaging { Style = HttpPagingStyle.Page, SizeParam = "per_page" },
            Call = TestCalls.Fast(),
        });
        var target = new CollectingTarget();

        var running = engine.RunAsync(source, target);
        using var patience = new CancellationTokenSource(Resync.Testing.Patience.Limit);
        if (whileRunning is not null)
            await whileRunning(engine.Clock, patience.Token);
        var (result, batches) = await running.WaitAsync(patience.Token);

        result.SystemError.ShouldBeNull("a page's failure is its batch's, never the run's");
        result.Counts.Read.ShouldBe(result.Counts.Succeeded + result.Counts.Failed + result.Counts.Ignored);
        return new PagedPull(result, batches, target, Volatile.Read(ref attempts), engine.Clock.Waits, api.Url);
    }

    [Fact]
    public async Task PagedPull_ServerErrorTwice_IsRetriedAndThePageRecovers()
    {
        var pull = await PullWherePageTwoAnswersAsync(async (context, attempt) =>
        {
            if (attempt > 2)
                return false;
            await FakeApi.Json(context, new { message = "database hiccup" }, 500);
            return true;
        });

        pull.Result.Status.ShouldBe(RunStatus.Succeeded);
        pull.Batches[1].Status.ShouldBe(BatchStatus.Succeeded);
        pull.Batches[1].Error.ShouldBeNull();
        pull.PageTwoAttempts.ShouldBe(3);
        pull.Target.Written.Count.ShouldBe(9);
    }

    [Fact]
    public async Task PagedPull_BadRequest_IsTheFailingPagesOwnBatchError_NotTriedAgain_AndTheRunGoesOn()
    {
        var pull = await PullWherePageTwoAnswersAsync(async (context, _) =>
        {
            await FakeApi.Json(context, new { message = "unknown filter 'colour'" }, 400);
            return true;
        });

        pull.Result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        pull.Batches.Select(b => (b.Number, b.Status)).ShouldBe([(1, BatchStatus.Succeeded), (2, BatchStatus.Failed), (3, BatchStatus.Succeeded)]);
        var badRequest = pull.Batches[1].Error.ShouldNotBeNull();
        (badRequest.Scope, badRequest.Type, badRequest.Code).ShouldBe((ErrorScope.Batch, ErrorType.Data, "HTTP_400"));
        badRequest.Message.ShouldContain("unknown filter 'colour'");
        badRequest.Attempt.ShouldBe(1, "a durable answer is not tried again");
        pull.PageTwoAttempts.ShouldBe(1);
        pull.Result.Counts.Read.ShouldBe(6);
        pull.Target.Written.Select(r => r.Key).Order().ShouldBe(["c1", "c2", "c3", "c7", "c8", "c9"]);
    }

    [Fact]
    public async Task PagedPull_TooManyRequests_WaitsTheRetryAfterAndThePageRecovers()
    {
        var pull = await PullWherePageTwoAnswersAsync(async (context, attempt) =>
        {
            if (attempt > 1)
                return false;
            context.Response.Headers.RetryAfter = "2";
            await FakeApi.Json(context, new { message = "slow down" }, 429);
            return true;
        });

        pull.Result.Status.ShouldBe(RunStatus.Succeeded);
        pull.PageTwoAttempts.ShouldBe(2);
        pull.Waits.ShouldContain(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task PagedPull_CallNeverAnswered_TimesOutAtEachAttempt_AndIsABatchErrorAfterThree()
    {
        var pageTwoAsked = Channel.CreateUnbounded<int>();
        var pull = await PullWherePageTwoAnswersAsync(async (context, attempt) =>
        {
            // Never answers: the attempt is held until the test times it out.
            pageTwoAsked.Writer.TryWrite(attempt);
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return true;
        }, async (clock, patience) =>
        {
            for (var attempt = 1; attempt <= 3; attempt++)
            {
                (await pageTwoAsked.Reader.ReadAsync(patience)).ShouldBe(attempt);
                await clock.FireTheOnlyTimeoutAsync(patience);
            }
        });

        pull.Result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        var timedOut = pull.Batches[1].Error.ShouldNotBeNull();
        (timedOut.Scope, timedOut.Type, timedOut.Code).ShouldBe((ErrorScope.Batch, ErrorType.Connection, ErrorCodes.Timeout));
        timedOut.Message.ShouldContain("after 3 attempts");
        timedOut.Attempt.ShouldBe(3, "the error carries the attempts the call made");
        pull.PageTwoAttempts.ShouldBe(3);
    }

    [Fact]
    public async Task PagedPull_HtmlAnswer_IsAnInvalidJsonBatchError_QuotingTheAnswer_WithThePagesCursor()
    {
        var pull = await PullWherePageTwoAnswersAsync(async (context, _) =>
        {
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>");
            return true;
        });

        pull.Result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        var notJson = pull.Batches[1].Error.ShouldNotBeNull();
        (notJson.Scope, notJson.Code).ShouldBe((ErrorScope.Batch, ErrorCodes.InvalidJson));
        notJson.Message.ShouldContain("HTTP 200");
        notJson.Message.ShouldContain("text/html");
        notJson.Message.ShouldContain("<html><head><title>502 Bad Gateway</title>");
        pull.Batches[1].Cursor.ShouldBe($"{pull.Url}/contacts?per_page=3&page=2");
    }

    [Fact]
    public async Task CallTimeout_RunsOnTheLinksClock_ANeverAnsweredCallTimesOutWhenTheClockPassesIt()
    {
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var api = await FakeApi.StartAsync(async (context, _) =>
        {
            asked.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        var clock = new Resync.Testing.ManualTimeProvider();
        var source = HttpJsonSource.Create(new HttpSourceOptions { Url = api.Url, Call = TestCalls.Fast() with { RetryAttempts = 1, Timeout = TimeSpan.FromHours(1) } });
        using var patience = new CancellationTokenSource(Resync.Testing.Patience.Limit);

        var reading = Resync.Testing.SourceReading.ReadAllAsync(source, Contacts.Context(clock));
        await asked.Task.WaitAsync(patience.Token);
        clock.Advance(TimeSpan.FromMinutes(59));
        reading.IsCompleted.ShouldBeFalse("not before its time");
        clock.Advance(TimeSpan.FromMinutes(1)); // an hour on the link's clock, however little real time went by

        var failure = (await reading.WaitAsync(patience.Token)).ShouldHaveSingleItem().Failure.ShouldBeOfType<ResyncException>();
        (failure.Classification.Type, failure.Classification.Code).ShouldBe((ErrorType.Connection, ErrorCodes.Timeout));
        failure.Classification.Message.ShouldContain("did not answer within 3600s");
    }

    [Fact]
    public async Task FailedPage_FetchedAgainByItsCursor_ReturnsItsRecords()
    {
        var fail = true;
        await using var api = await FakeApi.StartAsync((context, seen) =>
            fail && seen.Parameter("page") == "2" ? FakeApi.Json(context, new { message = "no" }, 400)
            : FakeApi.Json(context, Contacts.Range(Contacts.Number(seen.Parameter("page"), 1) * 10, Contacts.Number(seen.Parameter("page"), 1) > 2 ? 0 : Contacts.Number(seen.Parameter("page"), 1) * 10 + 1)));
        var source = HttpJsonSource.Create(new HttpSourceOptions { Url = $"{api.Url}/contacts", Paging = new HttpPaging { Style = HttpPagingStyle.Page }, Call = TestCalls.Fast() });
        var pages = await Resync.Testing.SourceReading.ReadAllAsync(source, Contacts.Context(ManualTimeProvider.AdvancingOnDelays()));
        var failed = pages.Single(p => p.Failure is not null);

        fail = false;
        var again = await source.FetchPageAsync(failed.Cursor, Contacts.Context(ManualTimeProvider.AdvancingOnDelays()), CancellationToken.None);

        again.Failure.ShouldBeNull();
        again.Records.Select(r => r.Key).ShouldBe(["c20", "c21"]);
    }

    [Fact]
    public async Task KeyFieldNoRecordOfTheFirstPageHas_StopsTheRun_NamingTheFieldAndTheSetting()
    {
        // Regression: a keyField that no record had passed silently, every key shown as '?'.
        await using var api = await FakeApi.StartAsync((context, _) => context.Response.WriteAsync("""[{"Id": 1, "name": "Ann"}, {"Id": 2, "name": "Bo"}]"""));
        await using var engine = await EngineRun.StartAsync();
        var target = new CollectingTarget();

        var (result, _) = await engine.RunAsync(HttpJsonSource.Create(new HttpSourceOptions { Url = api.Url, Call = TestCalls.Fast() }), target);

        result.Status.ShouldBe(RunStatus.Failed);
        var error = result.SystemError.ShouldNotBeNull();
        (error.Scope, error.Type, error.Code).ShouldBe((ErrorScope.System, ErrorType.Runtime, ErrorCodes.KeyFieldMissing));
        error.Message.ShouldContain("'id'");
        error.Message.ShouldContain("source.keyField");
        target.Written.ShouldBeEmpty();
    }

    [Fact]
    public async Task KeyFieldSomeRecordsLack_IsNoConfigurationError()
    {
        await using var api = await FakeApi.StartAsync((context, _) => context.Response.WriteAsync("""[{"name": "Ann"}, {"id": 2, "name": "Bo"}]"""));
        await using var engine = await EngineRun.StartAsync();
        var target = new CollectingTarget();

        var (result, _) = await engine.RunAsync(HttpJsonSource.Create(new HttpSourceOptions { Url = api.Url, Call = TestCalls.Fast() }), target);

        result.SystemError.ShouldBeNull();
        target.Written.Count.ShouldBe(2);
    }

    [Fact]
    public async Task JsonValues_BecomePlainClrValues()
    {
        await using var api = await FakeApi.StartAsync((context, _) => context.Response.WriteAsync(
            """[{"id": 7, "name": "Ann", "n": 12, "price": 19.99, "huge": 1e400, "ok": true, "none": null, "tags": ["x"], "address": {"city": "Oslo"}}]"""));
        var source = HttpJsonSource.Create(new HttpSourceOptions { Url = api.Url, Call = TestCalls.Fast() });

        var record = (await Resync.Testing.SourceReading.ReadAllAsync(source, Contacts.Context(ManualTimeProvider.AdvancingOnDelays()))).ShouldHaveSingleItem().Records.ShouldHaveSingleItem();

        record.Key.ShouldBe("7");
        record["id"].ShouldBe(7L);
        record["name"].ShouldBe("Ann");
        record["n"].ShouldBe(12L);
        record["price"].ShouldBe(19.99m);
        record["ok"].ShouldBe(true);
        record["none"].ShouldBeNull();
        record.Fields.ContainsKey("none").ShouldBeTrue();
        record["tags"].ShouldBeOfType<JsonElement>().GetArrayLength().ShouldBe(1);
        record["address"].ShouldBeOfType<JsonElement>().GetProperty("city").GetString().ShouldBe("Oslo");
        record["huge"].ShouldNotBeNull();
    }

    [Fact]
    public async Task OffsetPagination_AsksForEachOffsetWithTheLimit_AndStopsAtTheFirstEmptyPage()
    {
        await using var api = await FakeApi.StartAsync((context, seen) =>
        {
            var offset = Contacts.Number(seen.Parameter("skip"), -1);
            return FakeApi.Json(context, new { results = Contacts.Range(offset + 1, Math.Min(offset + 3, 7)) });
        });
        var source = HttpJsonSource.Create(new HttpSourceOptions
        {
            Url = $"{api.Url}/contacts?sort=id",
            RecordsPath = "results",
            Paging = new HttpPaging { Style = HttpPagingStyle.Offset, OffsetParam = "skip", LimitParam = "take", Concurrency = 2 },
            Call = TestCalls.Fast(),
        });

        var pages = await Resync.Testing.SourceReading.ReadAllAsync(source, Contacts.Context(ManualTimeProvider.AdvancingOnDelays()));

        pages.Select(p => p.Records.Count).ShouldBe([3, 3, 1]);
        pages.SelectMany(p => p.Records).Select(r => r.Key).ShouldBe(Enumerable.Range(1, 7).Select(i => $"c{i}"));
        pages[1].Cursor.ShouldBe($"{api.Url}/contacts?sort=id&skip=3&take=3");
        api.Requests.Select(r => r.Parameter("take")).Distinct().ShouldBe(["3"]);
    }

    [Fact]
    public async Task OffsetPagination_AgainstAnApiThatCapsThePageSize_StopsInsteadOfSkippingRecords()
    {
        // The API serves at most 2 records whatever the limit: offsets 0, 3, 6 would skip c3 and c6.
        await using var api = await FakeApi.StartAsync((context, seen) =>
        {
            var offset = Contacts.Number(seen.Parameter("offset"), 0);
            return FakeApi.Json(context, Contacts.Range(offset + 1, Math.Min(offset + 2, 9)));
        });
        var source = HttpJsonSource.Create(new HttpSourceOptions { Url = api.Url, Paging = new HttpPaging { Style = HttpPagingStyle.Offset }, Call = TestCalls.Fast() });

        var failure = await Should.ThrowAsync<ResyncException>(() => Resync.Testing.SourceReading.ReadAllAsync(source, Contacts.Context(ManualTimeProvider.AdvancingOnDelays())));

        failure.Classification.Code.ShouldBe(ErrorCodes.UnexpectedShape);
        failure.Message.ShouldContain("caps the page size");
    }

    [Fact]
    public async Task CursorPagination_SendsBackTheCursorFromEachAnswer()
    {
        await using var api = await FakeApi.StartAsync((context, seen) =>
        {
            var at = Contacts.Number(seen.Parameter("after")?.TrimStart('n'), 0);
            var next = at + 3 < 8 ? $"n{at + 3}" : null;
            return FakeApi.Json(context, new { items = Contacts.Range(at + 1, Math.Min(at + 3, 8)), meta = new { next } });
        });
        var source = HttpJsonSource.Create(new HttpSourceOptions
        {
            Url = $"{api.Url}/contacts",
            RecordsPath = "items",
            Paging = new HttpPaging { Style = HttpPagingStyle.Cursor, CursorParam = "after", CursorPath = "meta.next", SizeParam = "limit" },
            Call = TestCalls.Fast(),
        });

        var pages = await Resync.Testing.SourceReading.ReadAllAsync(source, Contacts.Context(ManualTimeProvider.AdvancingOnDelays()));

        api.Requests.Select(r => r.Parameter("after")).ShouldBe([null, "n3", "n6"]);
        api.Requests.Select(r => r.Parameter("limit")).Distinct().ShouldBe(["3"]);
        pages.SelectMany(p => p.Records).Select(r => r.Key).ShouldBe(Enumerable.Range(1, 8).Select(i => $"c{i}"));
        pages[2].Cursor.ShouldBe($"{api.Url}/contacts?limit=3&after=n6");
    }

    [Fact]
    public async Task CursorPagination_AFailedPageInTheMiddle_IsABatchError_AndStopsTheRunBecauseTheRestCannotBeRead()
    {
        await using var api = await FakeApi.StartAsync((context, seen) => seen.Parameter("cursor") switch
        {
            null => FakeApi.Json(context, new { items = Contacts.Range(1, 3), next = "b" }),
            "b" => FakeApi.Json(context, new { message = "cursor expired" }, 400),
            _ => FakeApi.Json(context, new { items = Contacts.Range(7, 9), next = (string?)null }),
        });
        await using var engine = await EngineRun.StartAsync();
        var source = HttpJsonSource.Create(new HttpSourceOptions
        {
            Url = api.Url,
            RecordsPath = "items",
            Paging = new HttpPaging { Style = HttpPagingStyle.Cursor, CursorPath = "next" },
            Call = TestCalls.Fast(),
        });

        var (result, batches) = await engine.RunAsync(source, new CollectingTarget());

        batches.Select(b => b.Status).ShouldBe([BatchStatus.Succeeded, BatchStatus.Failed]);
        batches[1].Error!.Code.ShouldBe("HTTP_400");
        result.Status.ShouldBe(RunStatus.Failed);
        result.SystemError!.Message.ShouldContain("cannot be read");
        result.Counts.Read.ShouldBe(result.Counts.Succeeded + result.Counts.Failed + result.Counts.Ignored);
    }

    [Fact]
    public async Task NextLinkPagination_FollowsTheLinkHeader()
    {
        await using var api = await FakeApi.StartAsync((context, seen) =>
        {
            var page = Contacts.Number(seen.Parameter("p"), 1);
            if (page < 3)
                context.Response.Headers.Link = $"<{seen.Path}?p={page + 1}>; rel=\"next\", <{seen.Path}?p=3>; rel=\"last\"";
            return FakeApi.Json(context, Contacts.Range(page * 10, page * 10 + 1));
        });
        var source = HttpJsonSource.Create(new HttpSourceOptions { Url = $"{api.Url}/contacts", Paging = new HttpPaging { Style = HttpPagingStyle.NextLink }, Call = TestCalls.Fast() });

        var pages = await Resync.Testing.SourceReading.ReadAllAsync(source, Contacts.Context(ManualTimeProvider.AdvancingOnDelays()));

        pages.SelectMany(p => p.Records).Select(r => r.Key).ShouldBe(["c10", "c11", "c20", "c21", "c30", "c31"]);
        pages[2].Cursor.ShouldBe($"{api.Url}/contacts?p=3");
    }

    [Fact]
    public async Task NextLinkPagination_FollowsAUrlInTheBody()
    {
        await using var api = await FakeApi.StartAsync((context, seen) =>
        {
            var page = Contacts.Number(seen.Parameter("p"), 1);
            var next = page < 2 ? $"{seen.Path}?p={page + 1}" : null;
            return FakeApi.Json(context, new { value = Contacts.Range(page, page), links = new { next } });
        });
        var source = HttpJsonSource.Create(new HttpSourceOptions
        {
            Url = $"{api.Url}/contacts",
            RecordsPath = "value",
            Paging = new HttpPaging { Style = HttpPagingStyle.NextLink, NextLinkPath = "links.next" },
            Call = TestCalls.Fast(),
        });

        var pages = await Resync.Testing.SourceReading.ReadAllAsync(source, Contacts.Context(ManualTimeProvider.AdvancingOnDelays()));

        pages.SelectMany(p => p.Records).Select(r => r.Key).ShouldBe(["c1", "c2"]);
    }

    [Fact]
    public async Task NoPagination_ReadsOneRequest()
    {
        await using var api = await FakeApi.StartAsync((context, _) => FakeApi.Json(context, Contacts.Range(1, 5)));
        var source = HttpJsonSource.Create(new HttpSourceOptions { Url = api.Url, Call = TestCalls.Fast() });

        var pages = await Resync.Testing.SourceReading.ReadAllAsync(source, Contacts.Context(ManualTimeProvider.AdvancingOnDelays()));

        pages.ShouldHaveSingleItem().Records.Count.ShouldBe(5);
        api.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task ChangedSince_IsFilledFromTheWatermarkOfTheLastSuccessfulRun()
    {
        await using var api = await FakeApi.StartAsync((context, seen) =>
        {
            var since = seen.Parameter("updated_since");
            var records = Contacts.Range(1, 5).Where(c => since is null || string.CompareOrdinal((string)c["updated_at"]!, since) > 0).ToList();
            return FakeApi.Json(context, records);
        });
        await using var engine = await EngineRun.StartAsync();
        var source = HttpJsonSource.Create(new HttpSourceOptions
        {
            Url = $"{api.Url}/contacts",
            ChangedSinceParam = "updated_since",
            WatermarkField = "updated_at",
            Call = TestCalls.Fast(),
        });

        var (first, _) = await engine.RunAsync(source, new CollectingTarget(), EngineRun.Settings(batchSize: 100));
        var (second, _) = await engine.RunAsync(source, new CollectingTarget(), EngineRun.Settings(batchSize: 100));

        first.Counts.Read.ShouldBe(5);
        api.Requests[0].Parameter("updated_since").ShouldBeNull();
        api.Requests[1].Parameter("updated_since").ShouldBe("2026-01-01T00:05:00Z");
        second.Status.ShouldBe(RunStatus.Succeeded);
        second.Counts.Read.ShouldBe(0);
    }

    public static TheoryData<string, string, string> AuthKinds => new()
    {
        { "{ type: bearer, token: '${env:API_TOKEN}' }", "Authorization", "Bearer s3cret" },
        { "{ type: basic, user: ann, password: '${env:API_TOKEN}' }", "Authorization", "Basic " + Convert.ToBase64String("ann:s3cret"u8.ToArray()) },
        { "{ type: apiKey, header: X-Api-Key, key: '${env:API_TOKEN}' }", "X-Api-Key", "s3cret" },
        { "{ type: apiKey, query: api_key, key: '${env:API_TOKEN}' }", "?api_key", "s3cret" },
    };

    [Theory]
    [MemberData(nameof(AuthKinds))]
    public async Task EachAuthKind_FromALinkFile_ReachesTheServer_AndStaysOutOfCursors(string auth, string where, string expected)
    {
        await using var api = await FakeApi.StartAsync((context, _) => FakeApi.Json(context, Contacts.Range(1, 2)));
        var yaml = $$"""
            name: auth-test
            source:
              type: http
              url: {{api.Url}}/contacts?active=true
              auth: {{auth}}
            target: { type: demo, path: unused.db }
            """;
        var loaded = new Resync.LinkFiles.LinkFileLoader(BuiltInConnectors.CreateCatalog(), name => name == "API_TOKEN" ? "s3cret" : null)
            .Parse(yaml, "auth.yaml", Path.GetTempPath());
        loaded.Problems.ShouldBeEmpty();

        var pages = await Resync.Testing.SourceReading.ReadAllAsync(loaded.Link!.Source, Contacts.Context(ManualTimeProvider.AdvancingOnDelays()));
        await loaded.Link.Target.DisposeAsync();

        var seen = api.Requests.ShouldHaveSingleItem();
        (where.StartsWith('?') ? seen.Parameter(where[1..]) : seen.Headers.GetValueOrDefault(where)).ShouldBe(expected);
        seen.Parameter("active").ShouldBe("true");
        pages.ShouldHaveSingleItem().Cursor.ShouldNotContain("s3cret");
    }

    [Fact]
    public async Task LinkFile_TakesTheCallRetryFromTheLinkSettings()
    {
        var yaml = """
            name: retry-test
            source:
              type: http
              url: https://api.example.com/contacts
              timeout: 5s
              pagination: { style: cursor, cursorPath: meta.next }
            target: { type: http, url: "https://api.example.com/contacts/{id}", method: PUT }
            settings:
              retry: { attempts: 5, delay: 50ms }
            """;

        var loaded = new Resync.LinkFiles.LinkFileLoader(BuiltInConnectors.CreateCatalog()).Parse(yaml, "retry.yaml", Path.GetTempPath());

        loaded.Problems.ShouldBeEmpty();
        var source = loaded.Link!.Source.ShouldBeOfType<HttpJsonSource>();
        source.Options.Call.RetryAttempts.ShouldBe(5);
        source.Options.Call.RetryDelay.ShouldBe(TimeSpan.FromMilliseconds(50));
        source.Options.Call.Timeout.ShouldBe(TimeSpan.FromSeconds(5));
        var target = loaded.Link.Target.ShouldBeOfType<HttpJsonTarget>();
        target.Options.Call.RetryAttempts.ShouldBe(5);
        target.Options.Method.ShouldBe(HttpMethod.Put);
        await target.DisposeAsync();
    }

    [Fact]
    public async Task LinkFile_CursorPaginationWithoutCursorPath_IsAProblemAtItsLine()
    {
        var yaml = """
            name: bad
            source:
              type: http
              url: https://api.example.com/contacts
              pagination: { style: cursor }
            target: { type: http, url: "https://api.example.com/contacts" }
            """;

        var loaded = new Resync.LinkFiles.LinkFileLoader(BuiltInConnectors.CreateCatalog()).Parse(yaml, "bad.yaml", Path.GetTempPath());

        loaded.Problems.ShouldHaveSingleItem().Message.ShouldContain("cursorPath");
        await Task.CompletedTask;
    }

    [Fact]
    public async Task ConnectionRefusedAtTheFirstPage_FailsTheRunWithASystemError()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var engine = await EngineRun.StartAsync();
        var source = HttpJsonSource.Create(new HttpSourceOptions { Url = $"http://127.0.0.1:{port}/contacts", Paging = new HttpPaging { Style = HttpPagingStyle.Page }, Call = TestCalls.Fast() });

        var (result, batches) = await engine.RunAsync(source, new CollectingTarget());

        result.Status.ShouldBe(RunStatus.Failed);
        var error = result.SystemError.ShouldNotBeNull();
        (error.Scope, error.Type, error.Code).ShouldBe((ErrorScope.System, ErrorType.Connection, ErrorCodes.ConnectionRefused));
        error.Message.ShouldContain("after 3 attempts");
        error.Attempt.ShouldBe(3);
        batches[0].Status.ShouldBe(BatchStatus.Failed);
        result.Counts.Read.ShouldBe(0);
    }

    [Fact]
    public async Task Unauthorized_StopsTheRunAtOnce_WithoutRetrying()
    {
        await using var api = await FakeApi.StartAsync((context, seen) => seen.Parameter("page") switch
        {
            "1" => FakeApi.Json(context, Contacts.Range(1, 3)),
            "2" => FakeApi.Json(context, new { error = new { message = "token expired" } }, 401),
            _ => FakeApi.Json(context, Contacts.Range(4, 6)),
        });
        await using var engine = await EngineRun.StartAsync();
        var source = HttpJsonSource.Create(new HttpSourceOptions { Url = api.Url, Paging = new HttpPaging { Style = HttpPagingStyle.Page, Concurrency = 1 }, Call = TestCalls.Fast() });

        var (result, batches) = await engine.RunAsync(source, new CollectingTarget());

        result.Status.ShouldBe(RunStatus.Failed);
        var error = result.SystemError.ShouldNotBeNull();
        (error.Type, error.Code).ShouldBe((ErrorType.InvalidAccessToken, "HTTP_401"));
        error.Message.ShouldContain("token expired");
        api.Requests.Count(r => r.Parameter("page") == "2").ShouldBe(1);
        batches.Count.ShouldBe(2);
        result.Counts.Read.ShouldBe(result.Counts.Succeeded + result.Counts.Failed + result.Counts.Ignored);
    }

    [Fact]
    public async Task RetryAfterAsADate_IsWaitedOnTheLinksClock()
    {
        var clock = ManualTimeProvider.AdvancingOnDelays();
        var calls = 0;
        await using var api = await FakeApi.StartAsync((context, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.Headers.RetryAfter = clock.GetUtcNow().AddSeconds(30).ToString("R");
                return FakeApi.Json(context, new { message = "busy" }, 503);
            }
            return FakeApi.Json(context, Contacts.Range(1, 1));
        });
        var source = HttpJsonSource.Create(new HttpSourceOptions { Url = api.Url, Call = TestCalls.Fast() });

        var pages = await Resync.Testing.SourceReading.ReadAllAsync(source, Contacts.Context(clock));

        pages.ShouldHaveSingleItem().Failure.ShouldBeNull();
        clock.Waits.ShouldHaveSingleItem().ShouldBe(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task RetryAfterLongerThanTheMaximum_FailsAtOnceAsARateLimit()
    {
        await using var api = await FakeApi.StartAsync((context, _) =>
        {
            context.Response.Headers.RetryAfter = "3600";
            return FakeApi.Json(context, new { message = "quota used up" }, 429);
        });
        var source = HttpJsonSource.Create(new HttpSourceOptions { Url = api.Url, Call = TestCalls.Fast() });

        var page = (await Resync.Testing.SourceReading.ReadAllAsync(source, Contacts.Context(ManualTimeProvider.AdvancingOnDelays()))).ShouldHaveSingleItem();

        var failure = page.Failure.ShouldBeOfType<ResyncException>();
        (failure.Classification.Type, failure.Classification.RetryAfter).ShouldBe((ErrorType.RateLimit, TimeSpan.FromHours(1)));
        api.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task ItemUrl_FetchesTheCurrentVersionByKey_AndNullWhenGone()
    {
        await using var api = await FakeApi.StartAsync((context, seen) => seen.Path == "/contacts/c%202" || seen.Path == "/contacts/c 2"
            ? FakeApi.Json(context, new { data = Contacts.Contact(2) })
            : FakeApi.Json(context, new { message = "not found" }, 404));
        var source = HttpJsonSource.Create(new HttpSourceOptions
        {
            Url = $"{api.Url}/contacts",
            ItemUrl = $"{api.Url}/contacts/{{key}}",
            ItemPath = "data",
            Call = TestCalls.Fast(),
        }).ShouldBeAssignableTo<IKeyedSource>()!;

        var found = await source.FetchByKeyAsync("c 2", Contacts.Context(ManualTimeProvider.AdvancingOnDelays()), CancellationToken.None);
        var gone = await source.FetchByKeyAsync("c9", Contacts.Context(ManualTimeProvider.AdvancingOnDelays()), CancellationToken.None);

        found.ShouldNotBeNull().Key.ShouldBe("c2");
        gone.ShouldBeNull();
    }

    [Fact]
    public async Task AnswerOfTheWrongShape_IsABatchErrorThatSaysWhatWasExpected()
    {
        await using var api = await FakeApi.StartAsync((context, _) => FakeApi.Json(context, new { data = new { total = 3 } }));
        var source = HttpJsonSource.Create(new HttpSourceOptions { Url = api.Url, RecordsPath = "data.items", Call = TestCalls.Fast() });

        var page = (await Resync.Testing.SourceReading.ReadAllAsync(source, Contacts.Context(ManualTimeProvider.AdvancingOnDelays()))).ShouldHaveSingleItem();

        var failure = page.Failure.ShouldBeOfType<ResyncException>();
        failure.Classification.Code.ShouldBe(ErrorCodes.UnexpectedShape);
        failure.Message.ShouldContain("'data.items'");
        failure.Message.ShouldContain("{\"data\":{\"total\":3}}");
        api.Requests.Count.ShouldBe(1);
    }
}
