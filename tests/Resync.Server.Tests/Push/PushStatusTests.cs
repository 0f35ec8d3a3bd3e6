namespace Resync.Server.Tests.Push;

public sealed class PushStatusTests
{
    private const string GatedLink = """
        name: gated
        tenant: acme
        source: { type: push, keyField: id, errorMessage: "Contact {key}: {message}" }
        steps:
          - validate: { field: email, required: true }
        target: { type: collect }
        trigger: { push: true, manual: false }
        settings: { batchSize: 2, parallelism: 1, retry: { attempts: 1 } }
        """;

    [Fact]
    public async Task AsyncPush_StatusUrl_ShowsEachRecordPendingUntilItsBatchEnds_ThenItsRealOutcome()
    {
        await using var server = await ServerHarness.StartAsync();
        var secondBatch = HeldBatches.From(server.Target, fromBatch: 2);
        await server.PutLinkAsync(server.AcmeKey, "gated", GatedLink);
        using var client = server.Client(server.AcmeKey);

        var accepted = await PushGatedAsync(client, ServerHarness.Contacts(5, 3));

        var pushId = accepted["pushId"]!.GetValue<long>();
        var pushUrl = accepted["pushUrl"]!.GetValue<string>();
        pushUrl.ShouldBe($"/api/v1/pushes/{pushId}");
        // Held at the second batch: the first batch's records are decided, the last one is not.
        JsonNode? during = null;
        await ServerHarness.EventuallyAsync(async () =>
        {
            during = await GetAsync(client, pushUrl);
            return during["counts"]!["succeeded"]!.GetValue<int>() >= 2;
        }, "the first batch's records in the push's status");
        during!["status"]!.GetValue<string>().ShouldBe("Running");
        // Acknowledged before its run started: the 202 names no run, the push's status does once it has one.
        accepted["runId"].ShouldBeNull();
        during["runId"]!.GetValue<long>().ShouldBeGreaterThan(0);
        var records = during["records"]!["items"]!.AsArray();
        records.Select(record => record!["state"]!.GetValue<string>()).Take(2).ShouldBe(["Succeeded", "Succeeded"]);
        records[4]!["state"]!.GetValue<string>().ShouldBe("Pending");

        secondBatch.Release();
        JsonNode? final = null;
        await ServerHarness.EventuallyAsync(async () =>
        {
            final = await GetAsync(client, pushUrl);
            return final["status"]!.GetValue<string>() != "Running";
        }, "the push's end");
        final!["status"]!.GetValue<string>().ShouldBe("CompletedWithErrors");
        final["counts"]!.ToJsonString().ShouldBe("""{"records":5,"pending":0,"succeeded":4,"failed":1,"ignored":0,"incomplete":0}""");
        final["records"]!["items"]!.AsArray().Select(record => record!["state"]!.GetValue<string>()).ShouldBe(["Succeeded", "Succeeded", "Succeeded", "Failed", "Succeeded"]);
        // Each record has its own status URL, with the link's message and the error for a failure.
        var failedUrl = final["records"]!["items"]![3]!["url"]!.GetValue<string>();
        failedUrl.ShouldBe($"{pushUrl}/records/3");
        var failed = await GetAsync(client, failedUrl);
        failed["key"]!.GetValue<string>().ShouldBe("c3");
        failed["message"]!.GetValue<string>().ShouldStartWith("Contact c3: ");
        failed["error"]!["code"]!.GetValue<string>().ShouldBe("REQUIRED");
        (await GetAsync(client, $"{pushUrl}/records/0"))["state"]!.GetValue<string>().ShouldBe("Succeeded");
        server.Target.Written.Count.ShouldBe(4);
    }

    [Fact]
    public async Task PushStatus_OfAnotherTenantsPush_IsNotFound_LikeAnUnknownPushOrRecord()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "collect-push", ServerHarness.CollectPushLink);
        using var acme = server.Client(server.AcmeKey);
        using var response = await acme.PostAsync("/api/v1/links/collect-push/push?mode=async", ServerHarness.Json(ServerHarness.Contacts(2)));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var pushUrl = (await ServerHarness.JsonAsync(response))["pushUrl"]!.GetValue<string>();
        using var globex = server.Client(server.GlobexKey);

        foreach (var (client, url) in new[] { (globex, pushUrl), (globex, $"{pushUrl}/records/0"), (acme, "/api/v1/pushes/987654"), (acme, $"{pushUrl}/records/2"),
            (acme, $"{pushUrl}/records/-1") })
        {
            using var refused = await client.GetAsync(url);
            refused.StatusCode.ShouldBe(HttpStatusCode.NotFound, url);
            refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json", url);
        }
        // Its own tenant and the operator see it.
        (await GetAsync(acme, pushUrl))["linkId"]!.GetValue<string>().ShouldBe("collect-push");
        using var op = server.Client(server.OperatorKey);
        (await GetAsync(op, pushUrl))["linkId"]!.GetValue<string>().ShouldBe("collect-push");
    }

    [Fact]
    public async Task AsyncPush_ReplayedByIdempotencyKey_AnswersTheSamePushUrl_AndStoresOnePush()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "collect-push", ServerHarness.CollectPushLink);
        using var client = server.Client(server.AcmeKey);

        async Task<JsonNode> PushAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/links/collect-push/push?mode=async")
            {
                Content = ServerHarness.Json(ServerHarness.Contacts(3)),
            };
            request.Headers.Add("Idempotency-Key", "order-8");
            using var response = await client.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            return await ServerHarness.JsonAsync(response);
        }

        var first = await PushAsync();
        var second = await PushAsync();

        second["pushUrl"]!.GetValue<string>().ShouldBe(first["pushUrl"]!.GetValue<string>());
        await ServerHarness.EventuallyAsync(async () => (await GetAsync(client, first["pushUrl"]!.GetValue<string>()))["status"]!.GetValue<string>() == "Succeeded",
            "the push's end");
        server.Target.Written.Count.ShouldBe(3);
    }

    [Fact]
    public async Task AsyncPushes_AcknowledgedWhileTheirLinksRunIsUnderWay_WaitStoredForItsEnd_ThenShareTheNextRun()
    {
        await using var server = await ServerHarness.StartAsync();
        var held = HeldBatches.From(server.Target, fromBatch: 2);
        await server.PutLinkAsync(server.AcmeKey, "gated", GatedLink);
        using var client = server.Client(server.AcmeKey);
        async Task<string> PushAsync(string prefix, int count) => (await PushGatedAsync(client, ServerHarness.Contacts(prefix, count)))["pushUrl"]!.GetValue<string>();

        var first = await PushAsync("a", 3);
        await held.Reached.WaitAsync(TimeSpan.FromMinutes(1));
        var later = await Task.WhenAll(PushAsync("b", 1), PushAsync("c", 1));

        // Acknowledged (stored) while the link's run is under way: they wait for its end, not started, to share the next run.
        foreach (var url in later)
        {
            var status = await GetAsync(client, url);
            status["status"]!.GetValue<string>().ShouldBe("Accepted", url);
            status["runId"].ShouldBeNull(url);
        }
        held.Release();
        var ends = new List<JsonNode>();
        foreach (var url in later.Prepend(first))
        {
            JsonNode? end = null;
            await ServerHarness.EventuallyAsync(async () => (end = await GetAsync(client, url))["status"]!.GetValue<string>() == "Succeeded", $"{url}'s end");
            ends.Add(end!);
        }
        var runs = ends.Select(end => end["runId"]!.GetValue<long>()).ToList();
        runs[1].ShouldBe(runs[2], "the pushes that waited share one run");
        runs[1].ShouldNotBe(runs[0]);
        server.Target.Written.Count.ShouldBe(5);
    }

    /// <summary>Pushes <paramref name="body"/> to <c>gated</c> to run later: answered 202; the answer.</summary>
    private static async Task<JsonNode> PushGatedAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/api/v1/links/gated/push?mode=async", ServerHarness.Json(body));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return await ServerHarness.JsonAsync(response);
    }

    private static async Task<JsonNode> GetAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{url}: {await response.Content.ReadAsStringAsync()}");
        return await ServerHarness.JsonAsync(response);
    }
}
