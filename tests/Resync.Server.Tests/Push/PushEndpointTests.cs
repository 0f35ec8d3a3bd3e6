using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Resync.Server.Push;
using Resync.Server.Tests.Alerts;

namespace Resync.Server.Tests.Push;

public sealed class PushEndpointTests
{
    [Fact]
    public async Task SyncPush_Of100RecordsWith3Bad_AnswersExactlyThose3FailingAndWhy()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.AddContactsPushLinkAsync();
        using var client = server.Client(server.AcmeKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/links/contacts-push/push")
        {
            Content = ServerHarness.Json(ServerHarness.Contacts(100, 7, 42, 99)),
        };
        request.Headers.Add("X-Request-Id", "req-123");

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var answer = await ServerHarness.JsonAsync(response);
        answer["status"]!.GetValue<string>().ShouldBe("CompletedWithErrors");
        answer["hasErrors"]!.GetValue<bool>().ShouldBeTrue();
        var records = answer["records"]!.AsArray();
        records.Count.ShouldBe(100);
        var failing = records.Where(r => r!["outcome"]!.GetValue<string>() == "Failed").ToList();
        failing.Select(r => r!["index"]!.GetValue<int>()).ShouldBe([7, 42, 99]);
        failing.Select(r => r!["key"]!.GetValue<string>()).ShouldBe(["c7", "c42", "c99"]);
        foreach (var record in failing)
        {
            record!["message"]!.GetValue<string>().ShouldStartWith($"Contact {record["key"]}: ");
            record["error"]!["code"]!.GetValue<string>().ShouldBe("REQUIRED");
            record["error"]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldBe(["email"]);
        }
        records.Count(r => r!["outcome"]!.GetValue<string>() == "Succeeded").ShouldBe(97);

        // The run carries the request id, and the target holds the 97 good contacts.
        var runId = answer["runId"]!.GetValue<long>();
        using var run = await client.GetAsync($"/api/v1/runs/{runId}");
        var runDocument = await ServerHarness.JsonAsync(run);
        runDocument["requestId"]!.GetValue<string>().ShouldBe("req-123");
        runDocument["kind"]!.GetValue<string>().ShouldBe("Push");
        runDocument["counts"]!["failed"]!.GetValue<long>().ShouldBe(3);
        CountContacts(server).ShouldBe(97);
    }

    [Fact]
    public async Task SyncPush_WhoseRecordsLackTheKeyField_StopsTheRunNamingSourceKeyField_AndWritesNothing()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "collect-push", ServerHarness.CollectPushLink.Replace("keyField: id", "keyField: uuid", StringComparison.Ordinal));
        using var client = server.Client(server.AcmeKey);

        using var response = await client.PostAsync("/api/v1/links/collect-push/push", ServerHarness.Json(ServerHarness.Contacts(25)));

        var answer = await ServerHarness.JsonAsync(response);
        answer["status"]!.GetValue<string>().ShouldBe("Failed", answer.ToJsonString());
        server.Target.Written.ShouldBeEmpty();
        // The first page carries the error; every record is kept (none is lost), the rest waiting in the link's incomplete run.
        answer["records"]!.AsArray().Select(r => r!["outcome"]!.GetValue<string>()).Distinct().ShouldBe(["Failed", "Incomplete"]);
        answer["records"]![0]!["error"]!["code"]!.GetValue<string>().ShouldBe("KEY_FIELD_MISSING");
        var run = await ServerHarness.JsonAsync(await client.GetAsync($"/api/v1/runs/{answer["runId"]!.GetValue<long>()}"));
        run["systemError"]!["code"]!.GetValue<string>().ShouldBe("KEY_FIELD_MISSING");
        run["systemError"]!["message"]!.GetValue<string>().ShouldContain("'uuid'");
        run["systemError"]!["message"]!.GetValue<string>().ShouldContain("source.keyField");
        run["counts"]!["succeeded"]!.GetValue<long>().ShouldBe(0);
    }

    [Fact]
    public async Task SyncPush_TargetDownPartway_KeepsEveryUnwrittenRecord_AndTheResumeWritesEachOnce()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "collect-push", ServerHarness.CollectPushLink);
        server.Target.ThrowOnBatch(2, ServerHarness.TargetDown());
        using var client = server.Client(server.AcmeKey);

        using var response = await client.PostAsync("/api/v1/links/collect-push/push", ServerHarness.Json(ServerHarness.Contacts(60)));

        var answer = await ServerHarness.JsonAsync(response);
        answer["status"]!.GetValue<string>().ShouldBe("Failed");
        var outcomes = answer["records"]!.AsArray().Select(r => r!["outcome"]!.GetValue<string>()).ToList();
        outcomes.Take(10).ShouldAllBe(outcome => outcome == "Succeeded");
        outcomes.Skip(10).Take(10).ShouldAllBe(outcome => outcome == "Failed");
        // The pages the run never read are not lost: they wait, with their values, in the incomplete run.
        outcomes.Skip(20).ShouldAllBe(outcome => outcome == "Incomplete");
        answer["records"]![59]!["message"]!.GetValue<string>().ShouldContain("incomplete-runs?linkId=collect-push");
        answer["counts"]!["read"]!.GetValue<long>().ShouldBe(60);
        // Batches are numbered without a gap, even when the page being handed over as the run stopped is kept (a regression).
        var batches = (await ServerHarness.JsonAsync(await client.GetAsync($"/api/v1/runs/{answer["runId"]}/batches")))["items"]!.AsArray();
        batches.Select(b => b!["number"]!.GetValue<int>()).ShouldBe(Enumerable.Range(1, 6));
        server.Target.Written.Count.ShouldBe(10);

        var parked = (await ServerHarness.JsonAsync(await client.GetAsync("/api/v1/incomplete-runs?linkId=collect-push")))["items"]!.AsArray().Single()!;
        server.Target.Fix();
        using var retried = await client.PostAsync($"/api/v1/incomplete-runs/{parked["id"]}/retry", null);
        retried.StatusCode.ShouldBe(HttpStatusCode.Accepted, await retried.Content.ReadAsStringAsync());
        await ServerHarness.EventuallyAsync(() => Task.FromResult(server.Target.Written.Count >= 60), "the resume to write the rest");
        var resumeId = (await ServerHarness.JsonAsync(retried))["runId"]!.GetValue<long>();
        // Ended and the link free: the resume's whole work is done (the chain is resolved after the resume run ends).
        (await Recovery.RecoveryApiTests.FinishedAsync(client, resumeId))["status"]!.GetValue<string>().ShouldBe("Succeeded");
        server.Target.Written.Select(record => (string)record["id"]!).Order(StringComparer.Ordinal)
            .ShouldBe(Enumerable.Range(0, 60).Select(i => $"c{i}").Order(StringComparer.Ordinal));
        // The resume carried everything, so the push's run is resolved (just after the resume's own status is stored).
        await ServerHarness.EventuallyAsync(async () =>
            (await ServerHarness.JsonAsync(await client.GetAsync($"/api/v1/runs/{answer["runId"]}")))["status"]!.GetValue<string>() == "Succeeded", "the push's run to be resolved");
    }

    [Fact]
    public async Task SyncPush_RecordsAnAutomatedReplayWrote_AreAnsweredSucceeded_NotFailed()
    {
        // Regression: the answer called Failed the records a replay had already written; a client would have sent them again.
        await using var server = await ServerHarness.StartAsync();
        // c1 and c3 are refused once, c4 twice: the first replay writes c1 and c3, the second c4.
        await ReplayedPushLinkAsync(server, "maxAttempts: 3, delays: [0s]", new Dictionary<string, int> { ["c1"] = 1, ["c3"] = 1, ["c4"] = 2 });
        using var client = server.Client(server.AcmeKey);

        using var response = await client.PostAsync("/api/v1/links/replayed-push/push", ServerHarness.Json(ServerHarness.Contacts(6)));

        var answer = await ServerHarness.JsonAsync(response);
        answer["status"]!.GetValue<string>().ShouldBe("Succeeded");
        answer["replay"].ShouldBeNull("the replays ended within ServerOptions.SyncPushReplayWait, and the answer waited for them");
        var records = answer["records"]!.AsArray();
        records.Select(r => r!["outcome"]!.GetValue<string>()).ShouldAllBe(outcome => outcome == "Succeeded");
        foreach (var index in new[] { 1, 3, 4 })
            records[index]!["message"]!.GetValue<string>().ShouldStartWith("written by automated replay run ");
        records[1]!["message"]!.GetValue<string>().ShouldNotBe(records[4]!["message"]!.GetValue<string>(), "c4 was written by the second replay");
        server.Target.Written.Select(record => (string)record["id"]!).Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(0, 6).Select(i => $"c{i}"));
    }

    [Fact]
    public async Task SyncPush_ReplayStillGoingPastTheWait_AnswersTheReplayUnderWayAndWhereToFollowIt_AndTheRunEndsSucceeded()
    {
        var clock = new ManualTimeProvider();
        await using var server = await ServerHarness.StartAsync(clock, options => options.SyncPushReplayWait = TimeSpan.Zero);
        // c1 is refused once: the replay, a minute later on the server's clock, writes it.
        await ReplayedPushLinkAsync(server, "maxAttempts: 2, delays: [1m]", new Dictionary<string, int> { ["c1"] = 1 });
        using var client = server.Client(server.AcmeKey);

        using var response = await client.PostAsync("/api/v1/links/replayed-push/push", ServerHarness.Json(ServerHarness.Contacts(3)));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var answer = await ServerHarness.JsonAsync(response);
        var runUrl = $"/api/v1/runs/{answer["runId"]}";
        answer["status"]!.GetValue<string>().ShouldBe("CompletedWithErrors");
        answer["replay"]!["status"]!.GetValue<string>().ShouldBe("UnderWay");
        answer["replay"]!["runUrl"]!.GetValue<string>().ShouldBe(runUrl);
        answer["replay"]!["eventsUrl"]!.GetValue<string>().ShouldBe($"{runUrl}/events");
        answer["replay"]!["message"]!.GetValue<string>().ShouldContain("SyncPushReplayWait");
        var records = answer["records"]!.AsArray();
        records.Select(r => r!["outcome"]!.GetValue<string>()).ShouldBe(["Succeeded", "Failed", "Succeeded"]);
        records[1]!["message"]!.GetValue<string>().ShouldContain($"automated replay of the run's failed records was still going when this answer was sent (0 s after the run ended), so it may write this record yet: GET {runUrl}");

        // Followed as the answer says: the replay writes c1 and the run becomes Succeeded.
        await ServerHarness.EventuallyAsync(async () =>
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            return (await ServerHarness.JsonAsync(await client.GetAsync(runUrl)))["status"]!.GetValue<string>() == "Succeeded";
        }, "the replay to resolve the push's run");
        server.Target.Written.Select(record => (string)record["id"]!).Order(StringComparer.Ordinal).ShouldBe(["c0", "c1", "c2"]);
    }

    /// <summary>The push link <c>replayed-push</c> with automated replay (<paramref name="replay"/>); each key of <paramref name="refused"/> is refused (a lock) that many times.</summary>
    private static async Task ReplayedPushLinkAsync(ServerHarness server, string replay, IReadOnlyDictionary<string, int> refused)
    {
        await server.PutLinkAsync(server.AcmeKey, "replayed-push", $$"""
            name: replayed-push
            tenant: acme
            source: { type: push, keyField: id }
            target: { type: collect }
            trigger: { manual: false, push: true }
            settings: { batchSize: 2, parallelism: 1, automatedReplay: { enabled: true, {{replay}} } }
            """);
        var refusals = new ConcurrentDictionary<string, int>();
        var locked = new Core.Errors.ErrorClassification(Core.Errors.ErrorType.Runtime, Core.Errors.Durability.Ephemeral, "ROW_LOCKED", "the row is locked", "It passes on its own.", []);
        server.Target.Refuse(record => (string)record["id"]! is var id && refused.TryGetValue(id, out var times)
            && refusals.AddOrUpdate(id, 1, (_, n) => n + 1) <= times, locked);
    }

    [Fact]
    public async Task AsyncPush_Answers202BeforeProcessing_StatusShowsProgressThenFinalCounts_CallbackSignedAndListed_PayloadRemoved()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await ServerHarness.StartAsync();
        var secondBatch = HeldBatches.From(server.Target, fromBatch: 2);
        await server.PutLinkAsync(server.AcmeKey, "gated", """
            name: gated
            source: { type: push }
            target: { type: collect }
            trigger: { push: true, manual: false }
            settings: { batchSize: 10, parallelism: 1 }
            """);
        using var client = server.Client(server.AcmeKey);

        var (accepted, location) = await PushWithCallbackAsync(client, "gated", ServerHarness.Contacts(50), receiver.Url);

        var statusUrl = accepted["statusUrl"]!.GetValue<string>();
        location!.ToString().ShouldBe(statusUrl);
        // Answered while the run is held at its second batch: nothing beyond the first batch is written yet.
        server.Target.Written.Count.ShouldBeLessThanOrEqualTo(10);

        await secondBatch.Reached.WaitAsync(Patience.Limit);
        JsonNode? during = null;
        await ServerHarness.EventuallyAsync(async () =>
        {
            using var poll = await client.GetAsync(statusUrl);
            during = await ServerHarness.JsonAsync(poll);
            return during["counts"]!["succeeded"]!.GetValue<long>() >= 10;
        }, "the first batch's counts in the status");
        during!["status"]!.GetValue<string>().ShouldBe("Running");
        during["counts"]!["succeeded"]!.GetValue<long>().ShouldBeLessThan(50);
        receiver.Received.ShouldBeEmpty();

        secondBatch.Release();
        JsonNode? final = null;
        await ServerHarness.EventuallyAsync(async () =>
        {
            using var poll = await client.GetAsync(statusUrl);
            final = await ServerHarness.JsonAsync(poll);
            return final["status"]!.GetValue<string>() != "Running";
        }, "the run's end");
        final!["status"]!.GetValue<string>().ShouldBe("Succeeded");
        final["counts"]!["succeeded"]!.GetValue<long>().ShouldBe(50);
        // The callback goes through the alert outbox: listed under the run, delivered once, signed with the push's secret.
        var callbacksUrl = accepted["callbacksUrl"]!.GetValue<string>();
        JsonNode? delivery = null;
        await ServerHarness.EventuallyAsync(async () =>
        {
            delivery = await CallbackAsync(client, callbacksUrl);
            return delivery?["status"]!.GetValue<string>() == "Delivered";
        }, "the callback's delivery");
        delivery!["kind"]!.GetValue<string>().ShouldBe("push.finished");
        delivery["attempts"]!.AsArray().Count.ShouldBe(1);
        var received = receiver.Received.ShouldHaveSingleItem();
        received.VerifiesWith(accepted["callbackSecret"]!.GetValue<string>()).ShouldBeTrue();
        var callback = JsonNode.Parse(received.Body)!;
        callback["runId"]!.GetValue<long>().ShouldBe(accepted["runId"]!.GetValue<long>());
        callback["status"]!.GetValue<string>().ShouldBe("Succeeded");
        // Every record is accounted for in the run: the payload is no longer kept in the state file.
        Scalar(server.Options.DatabasePath, "SELECT length(payload) FROM pushes").ShouldBe(0);
        // Another tenant sees no callbacks of this run.
        using var foreign = server.Client(server.GlobexKey);
        (await foreign.GetAsync(callbacksUrl)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AsyncPush_CallbackUrlWithCredentials_IsRefusedAndNothingIsStored()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "pushed", ServerHarness.CollectingPushLink("pushed"));
        using var client = server.Client(server.AcmeKey);
        var callbackUrl = Uri.EscapeDataString("http://svc:CANARY-SECRET@127.0.0.1:9/hook");

        using var response = await client.PostAsync($"/api/v1/links/pushed/push?mode=async&callbackUrl={callbackUrl}",
            ServerHarness.Json(ServerHarness.Contacts(2)));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldContain("invalid-callback");
        body.ShouldNotContain("CANARY-SECRET");
        Scalar(server.Options.DatabasePath, "SELECT COUNT(*) FROM pushes").ShouldBe(0);
    }

    [Fact]
    public async Task AsyncPush_CallbackAnswering500ThenOk_IsRetriedFromTheOutboxAfterTheBackoffDelay()
    {
        var clock = new ManualTimeProvider();
        await using var receiver = await WebhookReceiver.StartAsync(firstAnswers: [500]);
        await using var server = await ServerHarness.StartAsync(clock);
        await server.PutLinkAsync(server.AcmeKey, "pushed", ServerHarness.CollectingPushLink("pushed"));
        using var client = server.Client(server.AcmeKey);
        var (accepted, _) = await PushWithCallbackAsync(client, "pushed", ServerHarness.Contacts(3), receiver.Url);
        var callbacksUrl = accepted["callbacksUrl"]!.GetValue<string>();

        JsonNode? delivery = null;
        await ServerHarness.EventuallyAsync(async () =>
        {
            delivery = await CallbackAsync(client, callbacksUrl);
            return delivery?["attempts"]!.AsArray().Count == 1;
        }, "the first attempt");
        delivery!["status"]!.GetValue<string>().ShouldBe("Pending");
        delivery["attempts"]![0]!["statusCode"]!.GetValue<int>().ShouldBe(500);
        delivery["nextAttemptAt"]!.GetValue<DateTimeOffset>().ShouldBe(ManualTimeProvider.DefaultStart.AddSeconds(10));

        clock.Advance(TimeSpan.FromSeconds(10));
        await ServerHarness.EventuallyAsync(async () =>
        {
            delivery = await CallbackAsync(client, callbacksUrl);
            return delivery!["status"]!.GetValue<string>() == "Delivered";
        }, "the second attempt");
        receiver.Received.Count.ShouldBe(2);
        receiver.Received[1].Id.ShouldBe(receiver.Received[0].Id);
        receiver.Received[1].VerifiesWith(accepted["callbackSecret"]!.GetValue<string>()).ShouldBeTrue();
    }

    [Fact]
    public async Task AsyncPush_WithAPayloadRetention_KeepsThePayloadThatLong_ThenRemovesIt()
    {
        var clock = new ManualTimeProvider();
        await using var server = await ServerHarness.StartAsync(clock, options => options.PushPayloadRetention = TimeSpan.FromHours(1));
        await server.PutLinkAsync(server.AcmeKey, "pushed", ServerHarness.CollectingPushLink("pushed"));
        using var client = server.Client(server.AcmeKey);
        async Task PushAsync(int finishedBefore)
        {
            using var response = await client.PostAsync("/api/v1/links/pushed/push?mode=async", ServerHarness.Json(ServerHarness.Contacts(2)));
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            await ServerHarness.EventuallyAsync(() => Task.FromResult(
                Scalar(server.Options.DatabasePath, "SELECT COUNT(*) FROM pushes WHERE finished_at IS NOT NULL") == finishedBefore + 1), "the push run's end");
        }

        await PushAsync(0);
        Scalar(server.Options.DatabasePath, "SELECT length(payload) FROM pushes WHERE id = 1").ShouldBeGreaterThan(0);

        clock.Advance(TimeSpan.FromHours(1));
        await PushAsync(1);
        await ServerHarness.EventuallyAsync(() => Task.FromResult(
            Scalar(server.Options.DatabasePath, "SELECT length(payload) FROM pushes WHERE id = 1") == 0), "the first payload's removal");
        Scalar(server.Options.DatabasePath, "SELECT length(payload) FROM pushes WHERE id = 2").ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task AsyncPushWithCallback_ReplayedByIdempotencyKey_OmitsTheSecretShownOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "pushed", ServerHarness.CollectingPushLink("pushed"));
        using var client = server.Client(server.AcmeKey);
        async Task<JsonNode> PushAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/links/pushed/push?mode=async&callbackUrl={Uri.EscapeDataString(receiver.Url)}")
            {
                Content = ServerHarness.Json(ServerHarness.Contacts(2)),
                Headers = { { "Idempotency-Key", "once" } },
            };
            using var response = await client.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            return await ServerHarness.JsonAsync(response);
        }

        var first = await PushAsync();
        var replayed = await PushAsync();

        first["callbackSecret"]!.GetValue<string>().ShouldStartWith("whsec_");
        replayed["callbackSecret"].ShouldBeNull();
        replayed["pushId"]!.GetValue<long>().ShouldBe(first["pushId"]!.GetValue<long>());
        Scalar(server.Options.DatabasePath, "SELECT COUNT(*) FROM idempotency_records WHERE body LIKE '%whsec_%'").ShouldBe(0);
    }

    [Fact]
    public async Task SameIdempotencyKeyTwice_OneRun_SameAnswer()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.AddContactsPushLinkAsync();
        using var client = server.Client(server.AcmeKey);
        var body = ServerHarness.Contacts(10, 3);

        async Task<(HttpStatusCode Status, string Body, bool Replayed)> PushAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/links/contacts-push/push") { Content = ServerHarness.Json(body) };
            request.Headers.Add("Idempotency-Key", "order-7");
            using var response = await client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Contains("Idempotent-Replayed"));
        }

        var first = await PushAsync();
        var second = await PushAsync();

        first.Status.ShouldBe(HttpStatusCode.OK, first.Body);
        second.Status.ShouldBe(first.Status);
        second.Body.ShouldBe(first.Body);
        second.Replayed.ShouldBeTrue();
        using var runs = await client.GetAsync("/api/v1/runs");
        (await ServerHarness.JsonAsync(runs))["items"]!.AsArray().Count.ShouldBe(1);

        // The same key with another body is refused, and does nothing.
        body = ServerHarness.Contacts(11);
        var other = await PushAsync();
        other.Status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        other.Body.ShouldContain("idempotency-key-reused");
    }

    [Theory]
    [InlineData("malformed", HttpStatusCode.BadRequest, "malformed-json")]
    [InlineData("content-type", HttpStatusCode.UnsupportedMediaType, "unsupported-media-type")]
    [InlineData("unknown-link", HttpStatusCode.NotFound, "not-found")]
    [InlineData("oversized", HttpStatusCode.RequestEntityTooLarge, "body-too-large")]
    [InlineData("too-many", HttpStatusCode.BadRequest, "too-many-records")]
    [InlineData("not-records", HttpStatusCode.BadRequest, "malformed-json")]
    public async Task BadPush_AnswersSpecificProblem_AndStoresNothing(string kind, HttpStatusCode status, string code)
    {
        await using var server = await ServerHarness.StartAsync(configure: options =>
        {
            options.MaxBodyBytes = 4096;
            options.MaxRecordsPerPush = 20;
        });
        await server.AddContactsPushLinkAsync();
        using var client = server.Client(server.AcmeKey);
        var (path, content) = kind switch
        {
            "malformed" => ("contacts-push", ServerHarness.Json("[{\"id\": 1,")),
            "content-type" => ("contacts-push", new StringContent(ServerHarness.Contacts(2), Encoding.UTF8, "text/csv")),
            "unknown-link" => ("no-such-link", ServerHarness.Json(ServerHarness.Contacts(2))),
            "oversized" => ("contacts-push", ServerHarness.Json(new string(' ', 5000) + "[]")),
            "too-many" => ("contacts-push", ServerHarness.Json(ServerHarness.Contacts(21))),
            _ => ("contacts-push", ServerHarness.Json("[1, 2]")),
        };

        using var response = await client.PostAsync($"/api/v1/links/{path}/push?mode=async", content);

        response.StatusCode.ShouldBe(status);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await ServerHarness.JsonAsync(response);
        problem["code"]!.GetValue<string>().ShouldBe(code);
        problem["type"]!.GetValue<string>().ShouldBe($"urn:resync:problem:{code}");
        problem["status"]!.GetValue<int>().ShouldBe((int)status);
        using var runs = await client.GetAsync("/api/v1/runs");
        (await ServerHarness.JsonAsync(runs))["items"]!.AsArray().ShouldBeEmpty();
        StoredPushes(server).ShouldBe(0);
        CountContacts(server).ShouldBe(0);
    }

    [Fact]
    public async Task SyncPushes_ArrivingTogether_ShareOneRun_AndEachAnswerListsItsOwnRecordsExactly()
    {
        // Batches of 3 hold records of two pushes.
        var clock = new ManualTimeProvider();
        await using var server = await StartSharingThreeAsync(ServerHarness.PushLink.Replace("batchSize: 25", "batchSize: 3", StringComparison.Ordinal), clock);
        using var client = server.Client(server.AcmeKey);

        var answers = await AllOrFirstFailureAsync(clock,
            PushContactsAsync(client, "a", 4, 1),
            PushContactsAsync(client, "b", 3),
            PushContactsAsync(client, "c", 5, 4));

        answers.Select(answer => answer["runId"]!.GetValue<long>()).Distinct().Count().ShouldBe(1);
        // The pushes follow one another in the run (in the order they came), each from its first record.
        var next = 0;
        foreach (var answer in answers.OrderBy(answer => answer["firstRecord"]!.GetValue<int>()))
        {
            answer["firstRecord"]!.GetValue<int>().ShouldBe(next);
            next += answer["records"]!.AsArray().Count;
        }
        foreach (var (answer, prefix, count, bad) in new[] { (answers[0], "a", 4, 1), (answers[1], "b", 3, -1), (answers[2], "c", 5, 4) })
        {
            var records = answer["records"]!.AsArray();
            records.Select(r => r!["index"]!.GetValue<int>()).ShouldBe(Enumerable.Range(0, count));
            records.Select(r => r!["key"]!.GetValue<string>()).ShouldBe(Enumerable.Range(0, count).Select(i => $"{prefix}{i}"));
            records.Select(r => r!["outcome"]!.GetValue<string>()).ShouldBe(Enumerable.Range(0, count).Select(i => i == bad ? "Failed" : "Succeeded"));
            answer["status"]!.GetValue<string>().ShouldBe(bad < 0 ? "Succeeded" : "CompletedWithErrors", prefix);
            answer["counts"]!["read"]!.GetValue<long>().ShouldBe(count);
            answer["counts"]!["failed"]!.GetValue<long>().ShouldBe(bad < 0 ? 0 : 1);
            if (bad >= 0)
                records[bad]!["message"]!.GetValue<string>().ShouldStartWith($"Contact {prefix}{bad}: ");
        }
        var run = await ServerHarness.JsonAsync(await client.GetAsync($"/api/v1/runs/{answers[0]["runId"]!.GetValue<long>()}"));
        run["counts"]!["read"]!.GetValue<long>().ShouldBe(12);
        run["counts"]!["failed"]!.GetValue<long>().ShouldBe(2);
        CountContacts(server).ShouldBe(10);
    }

    [Fact]
    public async Task SyncPushes_ArrivingTogether_AllWritten_EachAnswersItsOwnCountsAndTheBatchesHoldingItsRecords()
    {
        var clock = new ManualTimeProvider();
        await using var server = await StartSharingThreeAsync(ServerHarness.PushLink.Replace("batchSize: 25", "batchSize: 3", StringComparison.Ordinal), clock);
        using var client = server.Client(server.AcmeKey);

        var answers = await AllOrFirstFailureAsync(clock, PushContactsAsync(client, "a", 4), PushContactsAsync(client, "b", 3), PushContactsAsync(client, "c", 5));

        answers.Select(answer => answer["runId"]!.GetValue<long>()).Distinct().Count().ShouldBe(1);
        foreach (var answer in answers)
        {
            var count = answer["records"]!.AsArray().Count;
            var first = answer["firstRecord"]!.GetValue<int>();
            answer["status"]!.GetValue<string>().ShouldBe("Succeeded");
            answer["hasErrors"]!.GetValue<bool>().ShouldBeFalse();
            answer["records"]!.AsArray().Select(r => r!["outcome"]!.GetValue<string>()).Distinct().ShouldBe(["Succeeded"]);
            answer["counts"]!["read"]!.GetValue<long>().ShouldBe(count);
            answer["counts"]!["succeeded"]!.GetValue<long>().ShouldBe(count);
            answer["counts"]!["batchesTotal"]!.GetValue<int>().ShouldBe((first + count - 1) / 3 - first / 3 + 1);
        }
        CountContacts(server).ShouldBe(12);
    }

    [Fact]
    public async Task SyncPushes_ArrivingWhileTheLinksRunIsUnderWay_WaitForItsEnd_ThenShareTheNextRun()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "held-push", ServerHarness.CollectingPushLink("held-push"));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writes = 0;
        // The first run's write is held until the test lets it go; later writes pass.
        server.Target.BeforeWrite = async (_, _) =>
        {
            if (Interlocked.Increment(ref writes) == 1)
            {
                entered.SetResult();
                await release.Task;
            }
        };
        var processor = server.Services.GetRequiredService<PushProcessor>();
        using var client = server.Client(server.AcmeKey);
        async Task<JsonNode> PushAsync(string prefix)
        {
            using var response = await client.PostAsync("/api/v1/links/held-push/push", ServerHarness.Json(ServerHarness.Contacts(prefix, 2)));
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            return await ServerHarness.JsonAsync(response);
        }

        var first = PushAsync("a");
        await entered.Task;
        var later = new[] { PushAsync("b"), PushAsync("c") };
        // Both wait in the link's lane while its run is under way: neither opens a run of its own.
        await ServerHarness.EventuallyAsync(() => Task.FromResult(processor.SyncPushesWaiting("held-push") == 2), "two pushes waiting for the run under way");
        server.Target.BatchesWritten.Count.ShouldBe(1);
        release.SetResult();

        var firstRun = (await first)["runId"]!.GetValue<long>();
        var answers = await Task.WhenAll(later);
        answers.Select(answer => answer["runId"]!.GetValue<long>()).Distinct().ShouldHaveSingleItem().ShouldNotBe(firstRun);
        answers.ShouldAllBe(answer => answer["status"]!.GetValue<string>() == "Succeeded");
        server.Target.Written.Count.ShouldBe(6);
    }

    [Fact]
    public async Task AsyncPushes_AreAcknowledgedOnceStored_BeforeTheirRunStarts_ThenShareOneRun_AndEveryRecordReachesTheTarget()
    {
        await using var server = await StartSharingThreeAsync(ServerHarness.PushLink);
        using var client = server.Client(server.AcmeKey);
        async Task<JsonNode> PushAsync(string prefix, int count)
        {
            using var response = await client.PostAsync("/api/v1/links/contacts-push/push?mode=async", ServerHarness.Json(ServerHarness.Contacts(prefix, count)));
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
            var answer = await ServerHarness.JsonAsync(response);
            response.Headers.Location!.ToString().ShouldBe(answer["pushUrl"]!.GetValue<string>());
            return answer;
        }

        // Two of the three a run waits for (the manual clock never ends its window): both are answered, their run not started.
        var first = await Task.WhenAll(PushAsync("a", 2), PushAsync("b", 3));
        foreach (var answer in first)
        {
            answer["runId"].ShouldBeNull();
            answer["eventsUrl"].ShouldBeNull();
            answer["firstRecord"].ShouldBeNull();
            answer["statusUrl"]!.GetValue<string>().ShouldBe(answer["pushUrl"]!.GetValue<string>());
            var status = await ServerHarness.JsonAsync(await client.GetAsync(answer["pushUrl"]!.GetValue<string>()));
            status["status"]!.GetValue<string>().ShouldBe("Accepted");
            status["runId"].ShouldBeNull();
        }
        Scalar(server.Options.DatabasePath, "SELECT COUNT(*) FROM pushes WHERE run_id IS NULL AND length(payload) > 0").ShouldBe(2, "stored before the 202, not yet run");
        var accepted = first.Append(await PushAsync("c", 1)).ToList();

        await ServerHarness.EventuallyAsync(() => Task.FromResult(
            Scalar(server.Options.DatabasePath, "SELECT COUNT(*) FROM pushes WHERE finished_at IS NOT NULL") == 3), "the shared run's end");
        CountContacts(server).ShouldBe(6);
        var statuses = new List<JsonNode>();
        foreach (var answer in accepted.OrderBy(answer => answer["pushId"]!.GetValue<long>()))
            statuses.Add(await ServerHarness.JsonAsync(await client.GetAsync(answer["pushUrl"]!.GetValue<string>())));
        var runId = statuses.Select(status => status["runId"]!.GetValue<long>()).Distinct().ShouldHaveSingleItem();
        Scalar(server.Options.DatabasePath, $"SELECT COUNT(*) FROM pushes WHERE run_id = {runId}").ShouldBe(3);
        var run = await ServerHarness.JsonAsync(await client.GetAsync($"/api/v1/runs/{runId}"));
        run["status"]!.GetValue<string>().ShouldBe("Succeeded");
        run["counts"]!["succeeded"]!.GetValue<long>().ShouldBe(6);
        // The run reads the pushes in the order of their ids (recovery after a kill reads them back so); each push's status shows its own records.
        var next = 0;
        foreach (var status in statuses)
        {
            status["firstRecord"]!.GetValue<int>().ShouldBe(next);
            status["status"]!.GetValue<string>().ShouldBe("Succeeded");
            status["counts"]!["succeeded"]!.GetValue<int>().ShouldBe(status["counts"]!["records"]!.GetValue<int>());
            next += status["counts"]!["records"]!.GetValue<int>();
        }
        next.ShouldBe(6);
    }

    [Fact]
    public async Task Push_RightAfterItsLinkIsDeactivatedThroughTheApi_IsRefused_AndTakenOnceActivatedAgain()
    {
        // The manual clock never moves: only the API's own write can make the pushes see the link's new state.
        await using var server = await ServerHarness.StartAsync(new ManualTimeProvider());
        server.CreateContactsTable();
        await server.PutLinkAsync(server.AcmeKey, "contacts-push", ServerHarness.PushLink);
        using var client = server.Client(server.AcmeKey);
        async Task<HttpResponseMessage> PushAsync(string prefix) =>
            await client.PostAsync("/api/v1/links/contacts-push/push?mode=async", ServerHarness.Json(ServerHarness.Contacts(prefix, 1)));
        using (var before = await PushAsync("a"))
            before.StatusCode.ShouldBe(HttpStatusCode.Accepted);

        (await client.PostAsync("/api/v1/links/contacts-push/deactivate", null)).IsSuccessStatusCode.ShouldBeTrue();
        using (var refused = await PushAsync("b"))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await ServerHarness.JsonAsync(refused))["code"]!.GetValue<string>().ShouldBe("link-deactivated");
        }
        (await client.PostAsync("/api/v1/links/contacts-push/activate", null)).IsSuccessStatusCode.ShouldBeTrue();
        using var after = await PushAsync("c");

        after.StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }

    /// <summary>A server whose pushes of a link share a run three at a time, with <c>contacts-push</c> (tenant acme) as <paramref name="link"/>.</summary>
    private static async Task<ServerHarness> StartSharingThreeAsync(string link, ManualTimeProvider? clock = null)
    {
        // The manual clock never moves: pushes share a run only because the third fills it.
        var server = await ServerHarness.StartAsync(clock ?? new ManualTimeProvider(), options =>
        {
            options.MaxPushesPerRun = 3;
            options.PushRunWindow = TimeSpan.FromSeconds(1);
        });
        server.CreateContactsTable();
        await server.PutLinkAsync(server.AcmeKey, "contacts-push", link);
        return server;
    }

    /// <summary>
    /// The answers of pushes a run waits for all of (its window never ends on <paramref name="clock"/>). When one fails, the others
    /// would wait for ever for it: the window is ended then, and that push's own error fails the test at once instead of a timeout.
    /// </summary>
    private static async Task<JsonNode[]> AllOrFirstFailureAsync(ManualTimeProvider clock, params Task<JsonNode>[] pushes)
    {
        var pending = pushes.ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            if (!done.IsCompletedSuccessfully)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                await done;
            }
        }
        return [.. pushes.Select(push => push.Result)];
    }

    private static async Task<JsonNode> PushContactsAsync(HttpClient client, string prefix, int count, params int[] bad)
    {
        using var response = await client.PostAsync("/api/v1/links/contacts-push/push", ServerHarness.Json(ServerHarness.Contacts(prefix, count, bad)));
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await ServerHarness.JsonAsync(response);
    }

    /// <summary>Pushes <paramref name="body"/> to run later, its end called back at <paramref name="callbackUrl"/>: answered 202; the answer and its Location.</summary>
    private static async Task<(JsonNode Accepted, Uri? Location)> PushWithCallbackAsync(HttpClient client, string linkId, string body, string callbackUrl)
    {
        using var response = await client.PostAsync($"/api/v1/links/{linkId}/push?mode=async&callbackUrl={Uri.EscapeDataString(callbackUrl)}", ServerHarness.Json(body));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await ServerHarness.JsonAsync(response), response.Headers.Location);
    }

    /// <summary>The run's one callback delivery, or null before it is stored.</summary>
    private static async Task<JsonNode?> CallbackAsync(HttpClient client, string callbacksUrl)
    {
        using var poll = await client.GetAsync(callbacksUrl);
        return (await ServerHarness.JsonAsync(poll))["items"]!.AsArray().SingleOrDefault();
    }

    private static long CountContacts(ServerHarness server) => Scalar(Path.Combine(server.TenantFolder("acme"), "target.db"), "SELECT COUNT(*) FROM contacts");

    private static long StoredPushes(ServerHarness server) => Scalar(server.Options.DatabasePath, "SELECT COUNT(*) FROM pushes");

    private static long Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
