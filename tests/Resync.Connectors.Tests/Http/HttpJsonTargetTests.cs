using System.Collections.Concurrent;
using System.Text.Json;
using Record = Resync.Core.Records.Record;

namespace Resync.Connectors.Tests.Http;

public sealed class HttpJsonTargetTests
{
    private static Record Person(int i) => new($"c{i}", Contacts.Contact(i).ToDictionary(p => p.Key, p => p.Value is string[] ? null : p.Value));

    private static TargetBatch Batch(params int[] ids) => new("http-test", 1, 1, [.. ids.Select(Person)]);

    [Fact]
    public async Task PerRecord_RefusedRecordsFailAlone_WithTheServersMessage_AndTransientAnswersAreRetried()
    {
        var attempts = new ConcurrentDictionary<string, int>();
        await using var api = await FakeApi.StartAsync((context, seen) =>
        {
            var attempt = attempts.AddOrUpdate(seen.Path, 1, (_, n) => n + 1);
            return seen.Path switch
            {
                "/contacts/c2" => FakeApi.Json(context, new { message = "email is invalid" }, 422),
                "/contacts/c4" => FakeApi.Json(context, new { error = "already exists" }, 409),
                "/contacts/c5" when attempt == 1 => FakeApi.Json(context, new { message = "try again" }, 503),
                _ => FakeApi.Json(context, new { ok = true }, 201),
            };
        });
        await using var target = new HttpJsonTarget(new HttpTargetOptions { Url = $"{api.Url}/contacts/{{id}}", Method = HttpMethod.Put, Call = TestCalls.Fast(), Clock = ManualTimeProvider.AdvancingOnDelays() });

        var result = await target.WriteAsync(Batch(1, 2, 3, 4, 5), CancellationToken.None);

        result.Issues.Select(i => i.Index).ShouldBe([1, 3]);
        var invalid = result.Issues[0].Error.ShouldNotBeNull();
        (invalid.Type, invalid.Code).ShouldBe((ErrorType.Data, "HTTP_422"));
        invalid.Message.ShouldContain("email is invalid");
        var duplicate = result.Issues[1].Error.ShouldNotBeNull();
        (duplicate.Type, duplicate.Code).ShouldBe((ErrorType.DuplicateData, "HTTP_409"));
        duplicate.Message.ShouldContain("already exists");
        attempts["/contacts/c5"].ShouldBe(2);
        attempts["/contacts/c2"].ShouldBe(1);

        var sent = api.Requests.First(r => r.Path == "/contacts/c1");
        sent.Method.ShouldBe("PUT");
        sent.Headers["Content-Type"].ShouldStartWith("application/json");
        using var body = JsonDocument.Parse(sent.Body);
        body.RootElement.GetProperty("email").GetString().ShouldBe("c1@example.com");
        body.RootElement.GetProperty("score").GetDecimal().ShouldBe(1.5m);
        body.RootElement.GetProperty("visits").GetInt32().ShouldBe(10);
    }

    [Fact]
    public async Task PerRecord_ARecordWithoutTheUrlField_IsARecordErrorNamingTheField()
    {
        await using var api = await FakeApi.StartAsync((context, _) => FakeApi.Json(context, new { }, 201));
        await using var target = new HttpJsonTarget(new HttpTargetOptions { Url = $"{api.Url}/contacts/{{email}}", Call = TestCalls.Fast() });
        var blank = new Record("c9", new Dictionary<string, object?> { ["email"] = "" });

        var result = await target.WriteAsync(new TargetBatch("l", 1, 1, [Person(1), blank]), CancellationToken.None);

        var issue = result.Issues.ShouldHaveSingleItem();
        issue.Index.ShouldBe(1);
        issue.Error!.Fields.ShouldBe(["email"]);
        api.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task PerRecord_RefusedCredentials_StopTheBatch_AndNameTheRecordsNotWritten()
    {
        await using var api = await FakeApi.StartAsync((context, _) => FakeApi.Json(context, new { message = "bad token" }, 401));
        await using var target = new HttpJsonTarget(new HttpTargetOptions { Url = $"{api.Url}/contacts", Call = TestCalls.Fast() with { Auth = HttpAuth.Bearer("t") }, Concurrency = 1 });

        var result = await target.WriteAsync(Batch(1, 2, 3), CancellationToken.None);

        result.StoppedBy.ShouldNotBeNull().Type.ShouldBe(ErrorType.InvalidAccessToken);
        result.Issues.Select(issue => (issue.Index, issue.Error)).ShouldBe([(0, result.StoppedBy), (1, result.StoppedBy), (2, result.StoppedBy)]);
        api.Requests.Count.ShouldBe(1, "no record is sent once the credentials are refused");
        api.Requests[0].Headers["Authorization"].ShouldBe("Bearer t");
    }

    [Fact]
    public async Task PerRecord_StoppedMidBatch_ListsOnlyTheRecordsItDidNotWrite()
    {
        // Regression: the records written before the stop were not counted, and the resume wrote them again.
        await using var api = await FakeApi.StartAsync((context, seen) => seen.Path == "/contacts/c3"
            ? FakeApi.Json(context, new { message = "token expired" }, 401)
            : FakeApi.Json(context, new { ok = true }, 201));
        await using var target = new HttpJsonTarget(new HttpTargetOptions { Url = $"{api.Url}/contacts/{{id}}", Call = TestCalls.Fast(), Concurrency = 1 });

        var result = await target.WriteAsync(Batch(1, 2, 3, 4), CancellationToken.None);

        result.StoppedBy.ShouldNotBeNull().Code.ShouldBe("HTTP_401");
        result.Issues.Select(issue => issue.Index).ShouldBe([2, 3]);
        result.Issues.ShouldAllBe(issue => issue.Error == result.StoppedBy);
        api.Requests.Select(request => request.Path).ShouldBe(["/contacts/c1", "/contacts/c2", "/contacts/c3"]);
    }

    [Fact]
    public async Task IdempotencyKey_IsTheSameForTheSameWrite_InEveryRunOfItsRecoveryChain_AndNewForAChangedRecord()
    {
        await using var api = await FakeApi.StartAsync((context, _) => FakeApi.Json(context, new { ok = true }, 201));
        await using var target = new HttpJsonTarget(new HttpTargetOptions { Url = $"{api.Url}/contacts/{{id}}", Call = TestCalls.Fast() });
        var changed = Person(1);
        changed.Fields["email"] = "new@example.com";

        await target.WriteAsync(Batch(1, 2), CancellationToken.None);
        await target.WriteAsync(new TargetBatch("http-test", 7, 3, [Person(1)]) { RootRunId = 1 }, CancellationToken.None); // a retry of run 1
        await target.WriteAsync(new TargetBatch("http-test", 8, 1, [Person(1)]), CancellationToken.None); // a later run reading it again
        await target.WriteAsync(new TargetBatch("http-test", 9, 1, [changed]) { RootRunId = 1 }, CancellationToken.None); // edited, then retried

        string Key(SeenRequest request) => request.Headers[HttpTargetOptions.DefaultIdempotencyHeader];
        var keys = api.Requests.Where(request => request.Path == "/contacts/c1").Select(Key).ToList(); // in order: written one after the other
        keys.ShouldAllBe(key => key.Length == 32);
        Key(api.Requests.Single(request => request.Path == "/contacts/c2")).ShouldNotBe(keys[0], "two records");
        keys[1].ShouldBe(keys[0], "the retry of the same write");
        keys[2].ShouldNotBe(keys[0], "another run's write");
        keys[3].ShouldNotBe(keys[0], "the record changed");
    }

    [Fact]
    public async Task IdempotencyKey_TurnedOffOrRenamed_IsSentAsConfigured()
    {
        await using var api = await FakeApi.StartAsync((context, _) => FakeApi.Json(context, new { ok = true }, 201));
        await using (var off = new HttpJsonTarget(new HttpTargetOptions { Url = $"{api.Url}/off", Call = TestCalls.Fast(), IdempotencyHeader = null }))
            await off.WriteAsync(Batch(1), CancellationToken.None);
        await using (var renamed = new HttpJsonTarget(new HttpTargetOptions { Url = $"{api.Url}/renamed", Call = TestCalls.Fast(), IdempotencyHeader = "X-Request-Key" }))
            await renamed.WriteAsync(Batch(1), CancellationToken.None);

        api.Requests[0].Headers.ShouldNotContainKey(HttpTargetOptions.DefaultIdempotencyHeader);
        api.Requests[1].Headers["X-Request-Key"].Length.ShouldBe(32);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Idempotency-Key\r\nX-Injected: 1")]
    [InlineData("Key:")]
    public void IdempotencyHeader_NotAHeaderName_IsRefusedNamingIt(string header)
    {
        var refused = Should.Throw<ArgumentException>(() => new HttpJsonTarget(new HttpTargetOptions { Url = "http://127.0.0.1:1/x", IdempotencyHeader = header }));

        refused.Message.ShouldStartWith("idempotencyHeader must be a header name");
    }

    [Fact]
    public async Task Bulk_PerItemResults_BecomeErrorsOfExactlyTheFailingRecords()
    {
        await using var api = await FakeApi.StartAsync((context, seen) =>
        {
            using var sent = JsonDocument.Parse(seen.Body);
            sent.RootElement.GetArrayLength().ShouldBe(6);
            return FakeApi.Json(context, new
            {
                results = new object[]
                {
                    new { status = 201 },
                    new { status = 400, error = new { message = "phone is too long" } },
                    new { status = "ok" },
                    new { status = "error", message = "name is required" },
                    new { status = 409, error = "duplicate email" },
                    new { id = "c6", error = (string?)null },
                },
            }, 207);
        });
        await using var target = new HttpJsonTarget(new HttpTargetOptions { Url = $"{api.Url}/contacts/bulk", Bulk = true, ResultsPath = "results", Call = TestCalls.Fast() });

        var result = await target.WriteAsync(Batch(1, 2, 3, 4, 5, 6), CancellationToken.None);

        result.Issues.Select(i => (i.Index, i.Error!.Type, i.Error.Code)).ShouldBe([
            (1, ErrorType.Data, "HTTP_400"), (3, ErrorType.Data, ErrorCodes.ItemRejected), (4, ErrorType.DuplicateData, "HTTP_409")]);
        result.Issues[0].Error!.Message.ShouldContain("phone is too long");
        result.Issues[1].Error!.Message.ShouldContain("name is required");
        result.Issues[2].Error!.Message.ShouldContain("duplicate email");
        api.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Bulk_ResultsThatDoNotMatchTheRecords_FailTheBatch()
    {
        await using var api = await FakeApi.StartAsync((context, _) => FakeApi.Json(context, new[] { new { status = 200 } }));
        await using var target = new HttpJsonTarget(new HttpTargetOptions { Url = api.Url, Bulk = true, Call = TestCalls.Fast() });

        var failure = await Should.ThrowAsync<ResyncException>(() => target.WriteAsync(Batch(1, 2), CancellationToken.None));

        failure.Classification.Code.ShouldBe(ErrorCodes.UnexpectedShape);
        failure.Message.ShouldContain("expected 2 results");
    }

    [Fact]
    public async Task Bulk_ThroughTheEngine_PartialFailuresAreRecordErrors_AndTheRunAccountsForEveryRecord()
    {
        await using var source = await FakeApi.StartAsync((context, seen) =>
        {
            var page = Contacts.Number(seen.Parameter("page"), 1);
            return FakeApi.Json(context, Contacts.Range((page - 1) * 3 + 1, Math.Min(page * 3, 7)));
        });
        await using var sink = await FakeApi.StartAsync((context, seen) =>
        {
            using var sent = JsonDocument.Parse(seen.Body);
            var results = sent.RootElement.EnumerateArray()
                .Select(item => item.GetProperty("visits").GetInt32() % 30 == 0 ? new { ok = false, error = (string?)"visits must not be a multiple of 30" } : new { ok = true, error = (string?)null })
                .ToArray();
            return FakeApi.Json(context, new { items = results });
        });
        await using var engine = await EngineRun.StartAsync();
        var httpSource = HttpJsonSource.Create(new HttpSourceOptions { Url = source.Url, Paging = new HttpPaging { Style = HttpPagingStyle.Page }, Call = TestCalls.Fast() });
        await using var target = new HttpJsonTarget(new HttpTargetOptions { Url = $"{sink.Url}/bulk", Bulk = true, ResultsPath = "items", StatusField = "ok", Call = TestCalls.Fast(), Clock = engine.Clock });

        var (result, batches) = await engine.RunAsync(httpSource, target);

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        (result.Counts.Read, result.Counts.Succeeded, result.Counts.Failed).ShouldBe((7L, 5L, 2L));
        // On a busy machine the empty page past the end may be handed over pending (slower than none) and be an empty batch.
        batches.Where(b => b.Read > 0).Select(b => b.Status).ShouldBe([BatchStatus.CompletedWithErrors, BatchStatus.CompletedWithErrors, BatchStatus.Succeeded]);
        batches.Skip(3).ShouldAllBe(b => b.Read == 0 && b.Status == BatchStatus.Succeeded);
        var failedKeys = (await engine.Store.ListRecordsAsync(result.RunId, new Resync.Core.Storage.RecordFilter(), CancellationToken.None))
            .Select(r => r.Key).Order().ToArray();
        failedKeys.ShouldBe(["c3", "c6"]);
    }
}
