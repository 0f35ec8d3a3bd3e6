namespace Resync.Server.Tests.Composite;

public sealed class CompositeBatchTests
{
    private static string Batch(bool? halt) => new JsonObject
    {
        ["haltOnError"] = halt is null ? null : JsonValue.Create(halt.Value ? "true" : "false"),
        ["batchRequests"] = new JsonArray(
            CompositeFixture.Create(null, "a1", "Account 1"),
            new JsonObject { ["method"] = "GET", ["url"] = "/api/v1/links/notARealResource" },
            CompositeFixture.Create(null, "a2", "Account 2")),
    }.ToJsonString();

    [Theory]
    [MemberData(nameof(CompositeFixture.Stores), MemberType = typeof(CompositeFixture))]
    public async Task Batch_BadUrlInTheMiddle_ProcessesTheOthers(string store)
    {
        await using var fixture = await CompositeFixture.StartAsync(store: store);
        var (body, results) = await fixture.PostWithErrorsAsync("/api/v1/composite/batch", Batch(null));
        results.Select(r => r!["statusCode"]!.GetValue<int>()).ShouldBe([201, 404, 201]);
        results[1]!["errors"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("NOT_FOUND");
        results[0]!["body"]!["id"]!.GetValue<string>().ShouldBe("a1");
        results[0]!["errors"]!.AsArray().ShouldBeEmpty();
        fixture.Rows().ShouldBe(["a1|Account 1||", "a2|Account 2||"]);

        // The call is one run of the pseudo-link _composite, its subrequests the records: the bad URL is its one failure.
        var (run, records) = await fixture.RunAsync(body["runId"]!.GetValue<long>());
        run["linkId"]!.GetValue<string>().ShouldBe("_composite");
        run["kind"]!.GetValue<string>().ShouldBe("Push");
        run["tenant"]!.GetValue<string>().ShouldBe("acme");
        (run["counts"]!["read"]!.GetValue<int>(), run["counts"]!["succeeded"]!.GetValue<int>(), run["counts"]!["failed"]!.GetValue<int>()).ShouldBe((3, 2, 1));
        records.Select(r => r!["outcome"]!.GetValue<string>()).ShouldBe(["Succeeded", "Failed", "Succeeded"]);
        records.Select(r => r!["key"]!.GetValue<string>()).ShouldBe(["1", "2", "3"]);
        records[1]!["error"]!["code"]!.GetValue<string>().ShouldBe("NOT_FOUND");
        records[1]!["before"]!["url"]!.GetValue<string>().ShouldContain("notARealResource", Case.Sensitive);
        await ServerHarness.EventuallyAsync(() => Task.FromResult(fixture.Server.Logs.Lines.Any(line =>
            line.Message.Contains($"Run {run["id"]} of link _composite (tenant acme, composite) ended CompletedWithErrors: 3 read, 2 succeeded, 1 failed", StringComparison.Ordinal))),
            "the run's end in the log");
    }

    [Theory]
    [MemberData(nameof(CompositeFixture.Stores), MemberType = typeof(CompositeFixture))]
    public async Task Batch_HaltOnError_AnswersLaterOnes412AndDoesNotRunThem(string store)
    {
        await using var fixture = await CompositeFixture.StartAsync(store: store);
        var (_, results) = await fixture.PostWithErrorsAsync("/api/v1/composite/batch", Batch(true));
        results.Select(r => r!["statusCode"]!.GetValue<int>()).ShouldBe([201, 404, 412]);
        results[2]!["errors"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("BATCH_PROCESSING_HALTED");
        results[2]!["success"]!.GetValue<bool>().ShouldBeFalse();
        fixture.Rows().ShouldBe(["a1|Account 1||"]);
    }

    [Fact]
    public async Task Batch_AllGood_HasNoErrors_AndGetsApiResources()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var json = new JsonObject
        {
            ["batchRequests"] = new JsonArray(
                CompositeFixture.Create(null, "a1", "Account 1"),
                new JsonObject { ["method"] = "GET", ["url"] = $"/api/v1/links/{CompositeFixture.LinkId}" }),
        }.ToJsonString();
        var (_, body) = await fixture.PostAsync("/api/v1/composite/batch", json);
        body["hasErrors"]!.GetValue<bool>().ShouldBeFalse();
        body["results"]![1]!["statusCode"]!.GetValue<int>().ShouldBe(200);
    }

    [Fact]
    public async Task Batch_ForeignTenantsLink_IsNotFound_AndWritesNothing()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var json = new JsonObject { ["batchRequests"] = new JsonArray(CompositeFixture.Create(null, "a1", "Account 1")) }.ToJsonString();
        var (status, body) = await fixture.PostAsync("/api/v1/composite/batch", json, fixture.Server.GlobexKey);
        status.ShouldBe(HttpStatusCode.OK);
        body["results"]![0]!["statusCode"]!.GetValue<int>().ShouldBe(404);
        body["results"]![0]!["errors"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("NOT_FOUND");
        fixture.Rows().ShouldBeEmpty();
    }

    [Fact]
    public async Task Batch_RecordFailure_IsInTheRunSummary()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var json = new JsonObject { ["batchRequests"] = new JsonArray(CompositeFixture.Create(null, "a1", null)) }.ToJsonString();
        var (_, body) = await fixture.PostAsync("/api/v1/composite/batch", json);
        var (run, records) = await fixture.RunAsync(body["runId"]!.GetValue<long>(), "failed");
        run["kind"]!.GetValue<string>().ShouldBe("Push");
        run["counts"]!["failed"]!.GetValue<int>().ShouldBe(1);
        run["errorGroups"]!.AsArray().ShouldHaveSingleItem()!["type"]!.GetValue<string>().ShouldBe("Data");
        var failed = records.ShouldHaveSingleItem()!;
        failed["before"]!["body"]!["id"]!.GetValue<string>().ShouldBe("a1");
    }

    [Fact]
    public async Task Batch_HaltedSubrequests_AreFailedRecordsOfTheRun_WithAHint()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var (_, body) = await fixture.PostAsync("/api/v1/composite/batch", Batch(true));
        var (run, records) = await fixture.RunAsync(body["runId"]!.GetValue<long>(), "failed");
        run["counts"]!["failed"]!.GetValue<int>().ShouldBe(2);
        records.Select(r => r!["error"]!["code"]!.GetValue<string>()).ShouldBe(["NOT_FOUND", "BATCH_PROCESSING_HALTED"]);
        records[1]!["error"]!["hint"]!.GetValue<string>().ShouldContain("haltOnError", Case.Sensitive);
    }

    [Fact]
    public async Task Batch_SameIdempotencyKeyTwice_IsOneRun_AndTheSameAnswer()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var (_, first) = await fixture.PostAsync("/api/v1/composite/batch", Batch(null), idempotencyKey: "call-1");
        var (_, second) = await fixture.PostAsync("/api/v1/composite/batch", Batch(null), idempotencyKey: "call-1");
        second.ToJsonString().ShouldBe(first.ToJsonString());
        using var client = fixture.Server.Client(fixture.Server.AcmeKey);
        var runs = await ServerHarness.JsonAsync(await client.GetAsync("/api/v1/runs?linkId=_composite"));
        runs["items"]!.AsArray().ShouldHaveSingleItem();
        fixture.Rows().ShouldBe(["a1|Account 1||", "a2|Account 2||"]);

        var (status, _) = await fixture.PostAsync("/api/v1/composite/batch", Batch(true), idempotencyKey: "call-1");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Batch_RecordOperationOnADeactivatedLink_IsRefused_AndWritesNothing()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        using var client = fixture.Server.Client(fixture.Server.AcmeKey);
        using var deactivated = await client.PostAsync($"/api/v1/links/{CompositeFixture.LinkId}/deactivate",
            ServerHarness.Json("{\"reason\": \"maintenance\"}"));
        deactivated.IsSuccessStatusCode.ShouldBeTrue();
        var (_, body) = await fixture.PostAsync("/api/v1/composite/batch", Batch(null));
        var results = body["results"]!.AsArray();
        results.Select(r => r!["statusCode"]!.GetValue<int>()).ShouldBe([409, 404, 409]);
        results[0]!["errors"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("LINK_DEACTIVATED");
        results[0]!["errors"]![0]!["message"]!.GetValue<string>().ShouldContain("maintenance", Case.Sensitive);
        fixture.Rows().ShouldBeEmpty();
    }

    [Fact]
    public async Task Batch_RecordOperationOnALinkWithoutThePushTrigger_IsPushNotEnabled_AndWritesNothing()
    {
        // Regression: the push endpoint refused such a link while composite record operations wrote to it.
        await using var fixture = await CompositeFixture.StartAsync(push: false);
        var (_, body) = await fixture.PostAsync("/api/v1/composite/batch", Batch(null));
        var results = body["results"]!.AsArray();
        results.Select(r => r!["statusCode"]!.GetValue<int>()).ShouldBe([409, 404, 409]);
        results[0]!["errors"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("PUSH_NOT_ENABLED");
        results[0]!["errors"]![0]!["message"]!.GetValue<string>().ShouldContain("trigger: {push: true}");
        fixture.Rows().ShouldBeEmpty();
    }

    [Fact]
    public async Task RetryFailures_OfACompositeRun_IsRefusedWithWhatToDo()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var (_, body) = await fixture.PostAsync("/api/v1/composite/batch", Batch(null));
        var runId = body["runId"]!.GetValue<long>();
        using var client = fixture.Server.Client(fixture.Server.AcmeKey);
        using var response = await client.PostAsync($"/api/v1/runs/{runId}/retry", null);
        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var problem = await ServerHarness.JsonAsync(response);
        problem["detail"]!.GetValue<string>().ShouldContain($"/api/v1/runs/{runId}/records?outcome=failed", Case.Sensitive);
    }

    [Fact]
    public async Task CompositeRuns_AreTheCallersTenantsOnly()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var (_, body) = await fixture.PostAsync("/api/v1/composite/batch", Batch(null));
        using var globex = fixture.Server.Client(fixture.Server.GlobexKey);
        using var response = await globex.GetAsync($"/api/v1/runs/{body["runId"]!.GetValue<long>()}");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var runs = await ServerHarness.JsonAsync(await globex.GetAsync("/api/v1/runs?linkId=_composite"));
        runs["items"]!.AsArray().ShouldBeEmpty();
    }
}
