using Resync.Core.Errors;

namespace Resync.Server.Tests.Recovery;

public sealed class RecoveryApiTests
{
    private static readonly ErrorClassification Duplicate =
        new(ErrorType.DuplicateData, Durability.Durable, "UNIQUE_VIOLATION", "the email exists already", null, ["email"]);

    [Fact]
    public async Task RetryFailures_ThroughTheApi_MakesRetryRuns_AndOnceTheCauseIsFixed_TheRootBecomesSucceeded()
    {
        await using var server = await ServerHarness.StartAsync();
        server.Target.Refuse(record => ServerHarness.RefusedContacts.Contains(record.Key!), ServerHarness.PhoneRefused);
        await server.PutLinkAsync(server.AcmeKey, "contacts", ServerHarness.DemoLink("contacts"));
        using var client = server.Client(server.AcmeKey);
        var rootId = await StartAsync(client, "contacts");
        var root = await FinishedAsync(client, rootId);
        root["status"]!.GetValue<string>().ShouldBe("CompletedWithErrors");
        root["counts"]!["failed"]!.GetValue<long>().ShouldBe(3);

        // Retried before the cause is fixed: a Retry run of the 3 failed records, failing again.
        using var first = await client.PostAsync($"/api/v1/runs/{rootId}/retry", null);
        first.StatusCode.ShouldBe(HttpStatusCode.Accepted, await first.Content.ReadAsStringAsync());
        var firstAnswer = await ServerHarness.JsonAsync(first);
        firstAnswer["kind"]!.GetValue<string>().ShouldBe("Retry");
        firstAnswer["parentRunId"]!.GetValue<long>().ShouldBe(rootId);
        firstAnswer["plan"]!["records"]!.GetValue<long>().ShouldBe(3);
        var retryId = firstAnswer["runId"]!.GetValue<long>();
        var retry = await FinishedAsync(client, retryId);
        retry["kind"]!.GetValue<string>().ShouldBe("Retry");
        retry["parentRunId"]!.GetValue<long>().ShouldBe(rootId);
        retry["counts"]!["read"]!.GetValue<long>().ShouldBe(3, "only the failed records");
        retry["status"]!.GetValue<string>().ShouldBe("CompletedWithErrors");

        // The cause is fixed; the retry run is retried in turn (chains), and its success resolves the root.
        server.Target.Fix();
        using var second = await client.PostAsync($"/api/v1/runs/{retryId}/retry", null);
        second.StatusCode.ShouldBe(HttpStatusCode.Accepted, await second.Content.ReadAsStringAsync());
        var secondId = (await ServerHarness.JsonAsync(second))["runId"]!.GetValue<long>();
        (await FinishedAsync(client, secondId))["status"]!.GetValue<string>().ShouldBe("Succeeded");

        root = await RunAsync(client, rootId);
        root["status"]!.GetValue<string>().ShouldBe("Succeeded");
        root["children"]!.AsArray().Select(c => c!.GetValue<long>()).ShouldBe([retryId, secondId]);
        root["history"]!.AsArray().ShouldContain(e => e!["kind"]!.GetValue<string>() == "resolved");
        root["counts"]!["failed"]!.GetValue<long>().ShouldBe(3, "its history and counts keep the original failure");
        server.Target.Written.Select(r => r.Key!).Where(ServerHarness.RefusedContacts.Contains).Order().ShouldBe(ServerHarness.RefusedContacts.Order());

        // Nothing is left to retry, and the link's last successful sync moved once the chain resolved the root.
        using var again = await client.PostAsync($"/api/v1/runs/{secondId}/retry", null);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ServerHarness.JsonAsync(again))["code"]!.GetValue<string>().ShouldBe("nothing-to-retry");
        using var link = await client.GetAsync("/api/v1/links/contacts");
        var linkDocument = await ServerHarness.JsonAsync(link);
        linkDocument["watermark"].ShouldNotBeNull();
        linkDocument["health"]!["state"]!.GetValue<string>().ShouldBe("Active");
        linkDocument["health"]!["consecutiveFailures"]!.GetValue<int>().ShouldBe(0);

        // The chain resolved: retrying the root or the failed retry again would write their failures twice. Refused, naming
        // the run that resolved them, unless forced.
        foreach (var resolved in new[] { rootId, retryId })
        {
            using var refused = await client.PostAsync($"/api/v1/runs/{resolved}/retry", null);
            refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            var problem = await ServerHarness.JsonAsync(refused);
            problem["code"]!.GetValue<string>().ShouldBe("already-resolved");
            problem["detail"]!.GetValue<string>().ShouldContain($"run {secondId} resolved every failure");
        }
        (await RunAsync(client, rootId))["history"]!.AsArray().ShouldContain(e => e!["message"]!.GetValue<string>().Contains($"retry run {secondId} resolved every failure"));
        using var forced = await client.PostAsync($"/api/v1/runs/{rootId}/retry?force=true", null);
        forced.StatusCode.ShouldBe(HttpStatusCode.Accepted, await forced.Content.ReadAsStringAsync());
        (await FinishedAsync(client, (await ServerHarness.JsonAsync(forced))["runId"]!.GetValue<long>()))["status"]!.GetValue<string>().ShouldBe("Succeeded");
    }

    [Fact]
    public async Task RetryFailures_WithLoggingLevelNone_AnswersAProblemThatSaysWhy()
    {
        await using var server = await ServerHarness.StartAsync();
        server.Target.Refuse(record => ServerHarness.RefusedContacts.Contains(record.Key!), ServerHarness.PhoneRefused);
        await server.PutLinkAsync(server.AcmeKey, "blind", ServerHarness.DemoLink("blind", settings: ", loggingLevel: none"));
        using var client = server.Client(server.AcmeKey);
        var rootId = await StartAsync(client, "blind");
        (await FinishedAsync(client, rootId))["counts"]!["failed"]!.GetValue<long>().ShouldBe(3);

        foreach (var (path, body) in new[] { ($"/api/v1/runs/{rootId}/retry", (string?)null), ($"/api/v1/runs/{rootId}/error-groups/retry", """{"group":1}""") })
        {
            using var response = await client.PostAsync(path, body is null ? null : ServerHarness.Json(body));
            response.StatusCode.ShouldBe(HttpStatusCode.Conflict, path);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            var problem = await ServerHarness.JsonAsync(response);
            problem["code"]!.GetValue<string>().ShouldBe("nothing-to-retry");
            problem["detail"]!.GetValue<string>().ShouldContain("logging level None");
            problem["notRetriable"]!.GetValue<long>().ShouldBe(3);
        }
        (await RunsAsync(client)).Count.ShouldBe(1, "no run was started");
    }

    [Fact]
    public async Task RetryErrorGroup_RetriesOnlyThatGroup()
    {
        await using var server = await ServerHarness.StartAsync();
        server.Target.Refuse(record => ServerHarness.RefusedContacts.Contains(record.Key!), ServerHarness.PhoneRefused).Refuse(record => record.Key is "c-00007" or "c-00008", Duplicate);
        await server.PutLinkAsync(server.AcmeKey, "groups", ServerHarness.DemoLink("groups"));
        using var client = server.Client(server.AcmeKey);
        var rootId = await StartAsync(client, "groups");
        await FinishedAsync(client, rootId);
        server.Target.Fix();

        using var unknown = await client.PostAsync($"/api/v1/runs/{rootId}/error-groups/retry", ServerHarness.Json("""{"type":"Data","code":"NOPE"}"""));
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ServerHarness.JsonAsync(unknown))["code"]!.GetValue<string>().ShouldBe("unknown-error-group");

        using var retried = await client.PostAsync($"/api/v1/runs/{rootId}/error-groups/retry",
            ServerHarness.Json("""{"type":"DuplicateData","code":"UNIQUE_VIOLATION","step":"target","fields":["email"]}"""));
        retried.StatusCode.ShouldBe(HttpStatusCode.Accepted, await retried.Content.ReadAsStringAsync());
        var retry = await FinishedAsync(client, (await ServerHarness.JsonAsync(retried))["runId"]!.GetValue<long>());
        retry["status"]!.GetValue<string>().ShouldBe("Succeeded");
        retry["counts"]!["read"]!.GetValue<long>().ShouldBe(2, "only the duplicate-email group");
        (await RunAsync(client, rootId))["status"]!.GetValue<string>().ShouldBe("CompletedWithErrors", "the other group still fails");
    }

    [Fact]
    public async Task EditFailedRecord_ThenRetryFailures_WritesTheEditedValues_AndTheHistorySaysSo()
    {
        await using var server = await ServerHarness.StartAsync();
        server.Target.Refuse(record => record.Key == "c-00003" && record["phone"] as string != "+1 555 9003", ServerHarness.PhoneRefused);
        await server.PutLinkAsync(server.AcmeKey, "repair", ServerHarness.DemoLink("repair", settings: ", loggingLevel: all"));
        using var client = server.Client(server.AcmeKey);
        var rootId = await StartAsync(client, "repair");
        (await FinishedAsync(client, rootId))["counts"]!["failed"]!.GetValue<long>().ShouldBe(1);
        using var failedList = await client.GetAsync($"/api/v1/runs/{rootId}/records?outcome=failed");
        var failed = (await ServerHarness.JsonAsync(failedList))["items"]!.AsArray().ShouldHaveSingleItem()!;
        var path = $"/api/v1/runs/{rootId}/records/{failed["batch"]}/{failed["position"]}";

        using var edited = await client.PatchAsync(path, ServerHarness.Json("""{"phone":"+1 555 9003"}"""));
        edited.StatusCode.ShouldBe(HttpStatusCode.OK, await edited.Content.ReadAsStringAsync());
        var document = await ServerHarness.JsonAsync(edited);
        document["key"]!.GetValue<string>().ShouldBe("c-00003");
        document["values"]!["phone"]!.GetValue<string>().ShouldBe("+1 555 9003");
        (await RunAsync(client, rootId))["history"]!.AsArray().ShouldContain(e => e!["kind"]!.GetValue<string>() == "record-edited");

        using var retried = await client.PostAsync($"/api/v1/runs/{rootId}/retry", null);
        retried.StatusCode.ShouldBe(HttpStatusCode.Accepted, await retried.Content.ReadAsStringAsync());
        var retry = await FinishedAsync(client, (await ServerHarness.JsonAsync(retried))["runId"]!.GetValue<long>());
        retry["status"]!.GetValue<string>().ShouldBe("Succeeded");
        server.Target.Written.Last(r => r.Key == "c-00003")["phone"].ShouldBe("+1 555 9003");
    }

    [Fact]
    public async Task EditFailedRecord_OfAnotherTenant_IsNotFound_AndOfARecordThatDidNotFail_IsRefused()
    {
        await using var server = await ServerHarness.StartAsync();
        server.Target.Refuse(record => record.Key == "c-00003", ServerHarness.PhoneRefused);
        await server.PutLinkAsync(server.AcmeKey, "guarded", ServerHarness.DemoLink("guarded", settings: ", loggingLevel: all"));
        using var client = server.Client(server.AcmeKey);
        var rootId = await StartAsync(client, "guarded");
        await FinishedAsync(client, rootId);
        var body = """{"phone":"+1 555 0000"}""";

        using var globex = server.Client(server.GlobexKey);
        using var foreign = await globex.PatchAsync($"/api/v1/runs/{rootId}/records/1/2", ServerHarness.Json(body));
        foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var succeeded = await client.PatchAsync($"/api/v1/runs/{rootId}/records/1/0", ServerHarness.Json(body));
        succeeded.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var problem = await ServerHarness.JsonAsync(succeeded);
        problem["code"]!.GetValue<string>().ShouldBe("record-not-failed");
        problem["detail"]!.GetValue<string>().ShouldContain("did not fail (it is Succeeded)");
        using var missing = await client.PatchAsync($"/api/v1/runs/{rootId}/records/9/0", ServerHarness.Json(body));
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var notAnObject = await client.PatchAsync($"/api/v1/runs/{rootId}/records/1/2", ServerHarness.Json("[1]"));
        notAnObject.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await RunAsync(client, rootId))["history"]!.AsArray().ShouldNotContain(e => e!["kind"]!.GetValue<string>() == "record-edited");
    }

    [Fact]
    public async Task IncompleteRunRecords_MoreThanOnePage_ArePagedWithTheirTotal()
    {
        await using var server = await ServerHarness.StartAsync(new ManualTimeProvider());
        var incompleteId = await ServerHarness.CreateIncompleteRunAsync(server, server.AcmeKey, "acme-paged");
        using var client = server.Client(server.AcmeKey);

        var seen = new List<string>();
        int? offset = 0;
        var total = -1;
        while (offset is { } start)
        {
            using var response = await client.GetAsync($"/api/v1/incomplete-runs/{incompleteId}?offset={start}&limit=4");
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            var detail = await ServerHarness.JsonAsync(response);
            total = detail["totalRecords"]!.GetValue<int>();
            var page = detail["records"]!;
            page["items"]!.AsArray().Count.ShouldBeLessThanOrEqualTo(4);
            seen.AddRange(page["items"]!.AsArray().Select(r => $"{r!["batch"]}/{r["position"]}"));
            offset = page["nextOffset"]?.GetValue<int>();
        }
        total.ShouldBeGreaterThan(4, "more records than one page");
        seen.Count.ShouldBe(total);
        seen.Distinct().Count().ShouldBe(total);

        using var bad = await client.GetAsync($"/api/v1/incomplete-runs/{incompleteId}?limit=0");
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ServerHarness.JsonAsync(bad))["parameter"]!.GetValue<string>().ShouldBe("limit");
    }

    [Fact]
    public async Task IncompleteRun_TargetDownMidRun_IsListedEditedRetriedAndResolved_ThroughTheApi()
    {
        // A manual clock: the remainder's automatic retry (in a minute) never comes; a person handles it through the API.
        await using var server = await ServerHarness.StartAsync(new ManualTimeProvider());
        var incompleteId = await ServerHarness.CreateIncompleteRunAsync(server, server.AcmeKey, "acme-pull");
        using var client = server.Client(server.AcmeKey);

        using var list = await client.GetAsync("/api/v1/incomplete-runs?linkId=acme-pull");
        var item = (await ServerHarness.JsonAsync(list))["items"]!.AsArray().ShouldHaveSingleItem()!;
        item["id"]!.GetValue<long>().ShouldBe(incompleteId);
        item["status"]!.GetValue<string>().ShouldBe("Scheduled", "a connection error is ephemeral: retried automatically on the backoff schedule");
        item["error"]!["type"]!.GetValue<string>().ShouldBe("Connection");
        var runId = item["runId"]!.GetValue<long>();
        (await RunAsync(client, runId))["status"]!.GetValue<string>().ShouldBe("Failed");

        using var shown = await client.GetAsync($"/api/v1/incomplete-runs/{incompleteId}");
        var carried = (await ServerHarness.JsonAsync(shown))["records"]!["items"]!.AsArray();
        // The batch the target refused, and the records the run never got to (kept with their values).
        var records = carried.Where(r => r!["outcome"]!.GetValue<string>() == "Failed").ToList();
        records.Count.ShouldBe(10, "the batch the target refused");
        carried.Where(r => r!["outcome"]!.GetValue<string>() == "Incomplete").ShouldAllBe(r => r!["values"] != null);
        var first = records[0]!;
        first["batch"]!.GetValue<int>().ShouldBe(2);
        first["values"]!["id"]!.GetValue<string>().ShouldBe("c-00011");

        var values = first["values"]!.AsObject().DeepClone().AsObject();
        values["name"] = "Contact 11 (edited)";
        using var edited = await client.PutAsync($"/api/v1/incomplete-runs/{incompleteId}/records/2/{first["position"]}",
            ServerHarness.Json(values.ToJsonString()));
        edited.StatusCode.ShouldBe(HttpStatusCode.OK, await edited.Content.ReadAsStringAsync());
        var editedRecord = await ServerHarness.JsonAsync(edited);
        editedRecord["edited"]!.GetValue<bool>().ShouldBeTrue();
        editedRecord["values"]!["name"]!.GetValue<string>().ShouldBe("Contact 11 (edited)");
        using (var missing = await client.PutAsync($"/api/v1/incomplete-runs/{incompleteId}/records/2/99", ServerHarness.Json("{}")))
            missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using (var notAnObject = await client.PutAsync($"/api/v1/incomplete-runs/{incompleteId}/records/2/0", ServerHarness.Json("[1]")))
            (await ServerHarness.JsonAsync(notAnObject))["code"]!.GetValue<string>().ShouldBe("invalid-record");

        // The target is back; a person retries the remainder.
        server.Target.Fix();
        using var retried = await client.PostAsync($"/api/v1/incomplete-runs/{incompleteId}/retry", null);
        retried.StatusCode.ShouldBe(HttpStatusCode.Accepted, await retried.Content.ReadAsStringAsync());
        var resumeId = (await ServerHarness.JsonAsync(retried))["runId"]!.GetValue<long>();
        var resume = await FinishedAsync(client, resumeId);
        resume["kind"]!.GetValue<string>().ShouldBe("Resume");
        resume["status"]!.GetValue<string>().ShouldBe("Succeeded");

        using var after = await client.GetAsync($"/api/v1/incomplete-runs/{incompleteId}");
        var resolved = (await ServerHarness.JsonAsync(after))["incompleteRun"]!;
        resolved["status"]!.GetValue<string>().ShouldBe("Resolved");
        resolved["resolvedByRunId"]!.GetValue<long>().ShouldBe(resumeId);
        (await RunAsync(client, runId))["status"]!.GetValue<string>().ShouldBe("Succeeded");
        var written = server.Target.Written;
        written.Select(r => r.Key!).Order().ShouldBe(Enumerable.Range(1, 30).Select(i => $"c-{i:D5}"), "every record once, none twice");
        written.Single(r => r.Key == "c-00011")["name"].ShouldBe("Contact 11 (edited)");
        using var open = await client.GetAsync("/api/v1/incomplete-runs");
        (await ServerHarness.JsonAsync(open))["items"]!.AsArray().ShouldBeEmpty();
        using var twice = await client.PostAsync($"/api/v1/incomplete-runs/{incompleteId}/retry", null);
        twice.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ServerHarness.JsonAsync(twice))["code"]!.GetValue<string>().ShouldBe("incomplete-closed");
    }

    [Fact]
    public async Task Discard_EndsTheIncompleteRun_AndTheRunsHistorySaysSo()
    {
        await using var server = await ServerHarness.StartAsync(new ManualTimeProvider());
        var incompleteId = await ServerHarness.CreateIncompleteRunAsync(server, server.AcmeKey, "acme-pull");
        using var client = server.Client(server.AcmeKey);

        using var discarded = await client.PostAsync($"/api/v1/incomplete-runs/{incompleteId}/discard",
            ServerHarness.Json("""{"reason":"the source sends these again tomorrow"}"""));
        discarded.StatusCode.ShouldBe(HttpStatusCode.OK, await discarded.Content.ReadAsStringAsync());
        var item = await ServerHarness.JsonAsync(discarded);
        item["status"]!.GetValue<string>().ShouldBe("Discarded");

        var run = await RunAsync(client, item["runId"]!.GetValue<long>());
        run["history"]!.AsArray().ShouldContain(e => e!["kind"]!.GetValue<string>() == "discarded"
            && e["message"]!.GetValue<string>().Contains("the source sends these again tomorrow", StringComparison.Ordinal));
        using var open = await client.GetAsync("/api/v1/incomplete-runs");
        (await ServerHarness.JsonAsync(open))["items"]!.AsArray().ShouldBeEmpty();
        using var all = await client.GetAsync("/api/v1/incomplete-runs?status=discarded");
        (await ServerHarness.JsonAsync(all))["items"]!.AsArray().Count.ShouldBe(1);
        using var retried = await client.PostAsync($"/api/v1/incomplete-runs/{incompleteId}/retry", null);
        retried.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task BulkRetry_ResolvesEveryNamedIncompleteRun_OneAfterAnother()
    {
        await using var server = await ServerHarness.StartAsync(new ManualTimeProvider());
        var firstId = await ServerHarness.CreateIncompleteRunAsync(server, server.AcmeKey, "acme-pull");
        var secondId = await ServerHarness.CreateIncompleteRunAsync(server, server.AcmeKey, "acme-pull");
        server.Target.Fix();
        using var client = server.Client(server.AcmeKey);

        using var bulk = await client.PostAsync("/api/v1/incomplete-runs/retry", ServerHarness.Json("""{"all":true,"linkId":"acme-pull"}"""));
        bulk.StatusCode.ShouldBe(HttpStatusCode.Accepted, await bulk.Content.ReadAsStringAsync());
        (await ServerHarness.JsonAsync(bulk))["accepted"]!.AsArray().Select(id => id!.GetValue<long>()).ShouldBe([firstId, secondId]);

        await ServerHarness.EventuallyAsync(async () =>
        {
            using var resolved = await client.GetAsync("/api/v1/incomplete-runs?status=resolved");
            return (await ServerHarness.JsonAsync(resolved))["items"]!.AsArray().Count == 2;
        }, "both incomplete runs to be resolved");
    }

    [Fact]
    public async Task BulkRetry_EachResumeRunsHistory_NamesTheDefinitionItRanWith()
    {
        await using var server = await ServerHarness.StartAsync(new ManualTimeProvider());
        var incompleteId = await ServerHarness.CreateIncompleteRunAsync(server, server.AcmeKey, "acme-pull");
        server.Target.Fix();
        using var client = server.Client(server.AcmeKey);
        using var refused = await client.PostAsync("/api/v1/incomplete-runs/retry?definition=newest", ServerHarness.Json("""{"all":true}"""));
        (await ServerHarness.JsonAsync(refused))["code"]!.GetValue<string>().ShouldBe("invalid-definition");

        using var bulk = await client.PostAsync("/api/v1/incomplete-runs/retry", ServerHarness.Json("""{"all":true}"""));
        bulk.StatusCode.ShouldBe(HttpStatusCode.Accepted, await bulk.Content.ReadAsStringAsync());
        JsonNode? resolved = null;
        await ServerHarness.EventuallyAsync(async () =>
        {
            using var item = await client.GetAsync($"/api/v1/incomplete-runs/{incompleteId}");
            resolved = (await ServerHarness.JsonAsync(item))["incompleteRun"];
            return resolved?["resolvedByRunId"] is not null;
        }, "the incomplete run to be resolved");

        var resume = await FinishedAsync(client, resolved!["resolvedByRunId"]!.GetValue<long>());
        var version = resume["linkVersion"]!.GetValue<string>();
        resume["history"]!.AsArray().ShouldContain(e => e!["kind"]!.GetValue<string>() == "definition"
            && e["message"]!.GetValue<string>().StartsWith($"Definition: the link's current one (version {version}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReplaySettings_PutThroughTheApi_AreUsedByTheNextRun_AndDeleteRestoresTheDocuments()
    {
        await using var server = await ServerHarness.StartAsync();
        server.Target.Refuse(record => ServerHarness.RefusedContacts.Contains(record.Key!), ServerHarness.PhoneRefused);
        // The refusal is durable: the document asks for durable errors to be replayed, at once; the override keeps that.
        await server.PutLinkAsync(server.AcmeKey, "replayed", ServerHarness.DemoLink("replayed", settings: ", automatedReplay: { enabled: false, includeDurable: true, delays: [0s] }"));
        using var client = server.Client(server.AcmeKey);

        using var bad = await client.PutAsync("/api/v1/links/replayed/replay-settings", ServerHarness.Json("""{"automatedReplay":true,"maxAttempts":0}"""));
        (await ServerHarness.JsonAsync(bad))["code"]!.GetValue<string>().ShouldBe("invalid-replay-settings");
        using var put = await client.PutAsync("/api/v1/links/replayed/replay-settings", ServerHarness.Json("""{"automatedReplay":true,"maxAttempts":2}"""));
        put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var settings = await ServerHarness.JsonAsync(put);
        settings["automatedReplay"]!.GetValue<bool>().ShouldBeTrue();
        settings["maxAttempts"]!.GetValue<int>().ShouldBe(2);
        settings["overridden"]!.GetValue<bool>().ShouldBeTrue();
        settings["document"]!["automatedReplay"]!.GetValue<bool>().ShouldBeFalse();

        var rootId = await StartAsync(client, "replayed");
        await ServerHarness.EventuallyAsync(async () =>
        {
            using var link = await client.GetAsync("/api/v1/links/replayed");
            return !(await ServerHarness.JsonAsync(link))["running"]!.GetValue<bool>();
        }, "the run and its replays to end");
        var children = (await RunAsync(client, rootId))["children"]!.AsArray();
        children.Count.ShouldBe(2, "two Replay runs, as the override says");
        foreach (var child in children)
            (await RunAsync(client, child!.GetValue<long>()))["kind"]!.GetValue<string>().ShouldBe("Replay");

        using var deleted = await client.DeleteAsync("/api/v1/links/replayed/replay-settings");
        var restored = await ServerHarness.JsonAsync(deleted);
        restored["automatedReplay"]!.GetValue<bool>().ShouldBeFalse();
        restored["overridden"]!.GetValue<bool>().ShouldBeFalse();
    }

    internal static async Task<long> StartAsync(HttpClient client, string linkId) =>
        (await ServerHarness.StartRunAsync(client, linkId))["runId"]!.GetValue<long>();

    internal static async Task<JsonNode> RunAsync(HttpClient client, long runId)
    {
        using var response = await client.GetAsync($"/api/v1/runs/{runId}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await ServerHarness.JsonAsync(response);
    }

    /// <summary>The run once it has ended, with what follows it automatically (replays, parking, health) done too.</summary>
    internal static async Task<JsonNode> FinishedAsync(HttpClient client, long runId)
    {
        JsonNode? run = null;
        await ServerHarness.EventuallyAsync(async () =>
        {
            run = await RunAsync(client, runId);
            if (run["status"]!.GetValue<string>() == "Running")
                return false;
            using var link = await client.GetAsync($"/api/v1/links/{run["linkId"]!.GetValue<string>()}");
            return !(await ServerHarness.JsonAsync(link))["running"]!.GetValue<bool>();
        }, $"run {runId} to end");
        return await RunAsync(client, runId);
    }

    private static async Task<JsonArray> RunsAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/v1/runs");
        return (await ServerHarness.JsonAsync(response))["items"]!.AsArray();
    }
}
