using System.Net.Http.Json;
using Resync.Testing.Smtp;

namespace Resync.Server.Tests.Alerts;

/// <summary>Alerts stay quiet while automatic recovery works: held per route, one digest if it fails, nothing if it succeeds.</summary>
public sealed class RecoveryAlertTests
{
    /// <summary>30 records in 3 batches; automated replay of durable errors too, at once, twice at most.</summary>
    private static readonly string ReplayedLink =
        ServerHarness.DemoLink("replayed", settings: ", automatedReplay: { enabled: true, maxAttempts: 2, includeDurable: true, delays: [0s] }");

    /// <summary>A link whose target is down at its first batch: an ephemeral system error, retried on a one-step backoff schedule.</summary>
    private static readonly string BackedOffLink =
        ServerHarness.DemoLink("backed-off", records: 20, ", storeIncompleteRuns: false, retry: { attempts: 1 }, backoff: [1m]");

    [Fact]
    public async Task ReplayThatRecovers_SendsNoAlert_AndOnlyTheChatRouteAskingForIt_GetsOneRecoveredNote()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var chat = await WebhookReceiver.StartAsync();
        await using var server = await ServerHarness.StartAsync();
        server.Target.Refuse(record => record.Key is "c-00003" or "c-00013", ServerHarness.PhoneRefused);
        var writes = 0;
        // The cause goes away before the first replay's write: the replay gets every record through.
        server.Target.BeforeWrite = (_, _) =>
        {
            if (Interlocked.Increment(ref writes) == 4)
                server.Target.Fix();
            return Task.CompletedTask;
        };
        await server.PutLinkAsync(server.AcmeKey, "replayed", ReplayedLink);
        using var client = server.Client(server.AcmeKey);
        var (quiet, _) = await AlertRouteTests.CreateRouteAsync(client, new { name = "ops", url = webhook.Url });
        var (noted, _) = await AlertRouteTests.CreateRouteAsync(client, new { name = "chat", url = chat.Url, format = "slack", recoveredNote = true });

        await RunAndWaitAsync(server, client, "replayed");
        await ServerHarness.EventuallyAsync(async () => (await StatusesAsync(client, noted)).SequenceEqual(["Delivered", "Withdrawn"]), "the recovered note");

        webhook.Received.ShouldBeEmpty();
        (await StatusesAsync(client, quiet)).ShouldBe(["Withdrawn"]);
        var note = JsonNode.Parse(chat.Received.ShouldHaveSingleItem().Body)!;
        note["text"]!.GetValue<string>().ShouldContain("recovered");
        note["blocks"]!.AsArray().Count.ShouldBe(2);
        note["blocks"]![1]!["text"]!["text"]!.GetValue<string>().ShouldContain("Link 'replayed' recovered: 1 automated replay got the failed records");
    }

    [Fact]
    public async Task ReplayThatGivesUp_SendsExactlyOneDigest_ToWebhookAndEmail_WhileARouteNotHoldingGetsEachAlert()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var unheld = await WebhookReceiver.StartAsync();
        await using var smtp = SmtpReceiver.Start();
        await using var server = await ServerHarness.StartAsync(configure: ServerHarness.SendingMailTo(smtp));
        server.Target.Refuse(record => record.Key is "c-00003" or "c-00013", ServerHarness.PhoneRefused);
        await server.PutLinkAsync(server.AcmeKey, "replayed", ReplayedLink);
        using var client = server.Client(server.AcmeKey);
        var (held, secret) = await AlertRouteTests.CreateRouteAsync(client, new { name = "ops", url = webhook.Url });
        await AlertRouteTests.CreateRouteAsync(client, new { name = "mail", url = "mailto:ops@example.com,oncall@example.com" });
        await AlertRouteTests.CreateRouteAsync(client, new { name = "every failure", url = unheld.Url, holdDuringRecovery = false });

        await RunAndWaitAsync(server, client, "replayed");
        await smtp.WaitForAsync(1);
        await ServerHarness.EventuallyAsync(async () => unheld.Received.Count == 3 && (await StatusesAsync(client, held)).SequenceEqual(["Delivered", "Digested", "Digested"]),
            "the digest and the unheld alerts");

        var digest = webhook.Received.ShouldHaveSingleItem();
        digest.VerifiesWith(secret).ShouldBeTrue();
        var data = JsonNode.Parse(digest.Body)!["data"]!;
        data["message"]!.GetValue<string>().ShouldContain("gave up: 2 records still fail after 2 automated replays");
        data["held"]!.AsArray().Select(h => h!["data"]!["message"]!.GetValue<string>()).ShouldSatisfyAllConditions(
            messages => messages.Count().ShouldBe(2),
            messages => messages.First().ShouldContain("automated replay 1 of 2 follows"),
            messages => messages.Last().ShouldContain("automated replay 2 of 2 follows"));

        var mail = smtp.Received.ShouldHaveSingleItem();
        mail.From.ShouldBe("resync@example.com");
        mail.To.ShouldBe(["ops@example.com", "oncall@example.com"]);
        mail.Data.ShouldContain("Subject: [Resync] run-failed");
        mail.Data.ShouldContain("2 alerts held");
        unheld.Received.Select(w => JsonNode.Parse(w.Body)!["type"]!.GetValue<string>()).ShouldBe(["run-failed", "run-failed", "run-failed"]);
    }

    [Fact]
    public async Task BackoffScheduleExhausted_SendsExactlyOneDigest_NamingEachFailedAttempt_ToWebhookAndChat()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var chat = await WebhookReceiver.StartAsync();
        await using var server = await ServerHarness.StartAsync();
        server.Target.ThrowOnBatch(1, ServerHarness.TargetDown());
        await server.PutLinkAsync(server.AcmeKey, "backed-off", BackedOffLink);
        using var client = server.Client(server.AcmeKey);
        var (routeId, _) = await AlertRouteTests.CreateRouteAsync(client, new { name = "ops", url = webhook.Url });
        var (chatId, _) = await AlertRouteTests.CreateRouteAsync(client, new { name = "chat", url = chat.Url, format = "slack" });

        await RunAndWaitAsync(server, client, "backed-off");
        (await StatusesAsync(client, routeId)).ShouldBe(["Held"]);
        webhook.Received.ShouldBeEmpty();
        // The next attempt (a person's or the schedule's) fails too: the schedule is used up, the link deactivated.
        await RunAndWaitAsync(server, client, "backed-off");
        await ServerHarness.EventuallyAsync(async () => (await StatusesAsync(client, routeId)).SequenceEqual(["Delivered", "Digested"])
            && (await StatusesAsync(client, chatId)).SequenceEqual(["Delivered", "Digested"]), "the digest");

        var body = JsonNode.Parse(webhook.Received.ShouldHaveSingleItem().Body)!;
        body["type"]!.GetValue<string>().ShouldBe("link-deactivated");
        body["data"]!["held"]!.AsArray().ShouldHaveSingleItem()!["data"]!["message"]!.GetValue<string>().ShouldContain("Attempt 1 on the backoff schedule");
        var message = JsonNode.Parse(chat.Received.ShouldHaveSingleItem().Body)!;
        message["text"]!.GetValue<string>().ShouldContain("link-deactivated");
        message["blocks"]![1]!["text"]!["text"]!.GetValue<string>().ShouldSatisfyAllConditions(
            text => text.ShouldContain("(1 alert held)"),
            text => text.ShouldContain("Attempt 1 on the backoff schedule"));
    }

    [Fact]
    public async Task IncompleteRunRetriedAfterAnEphemeralStop_HoldsItsAlert_AndSendsNothingWhenTheRetryGetsThrough()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(server.AcmeKey);
        var (routeId, _) = await AlertRouteTests.CreateRouteAsync(client, new { name = "ops", url = webhook.Url });

        var incompleteId = await ServerHarness.CreateIncompleteRunAsync(server, server.AcmeKey, "parked");
        (await StatusesAsync(client, routeId)).ShouldBe(["Held"]);
        server.Target.Fix();
        using var retried = await client.PostAsync($"/api/v1/incomplete-runs/{incompleteId}/retry", null);
        retried.StatusCode.ShouldBe(HttpStatusCode.Accepted, await retried.Content.ReadAsStringAsync());
        await ServerHarness.EventuallyAsync(async () => (await StatusesAsync(client, routeId)).SequenceEqual(["Withdrawn"]), "the held alert to be withdrawn");

        webhook.Received.ShouldBeEmpty();
    }

    [Fact]
    public async Task AlertRoute_WithABadFormatOrAnEmailRouteWithoutSmtp_IsRefusedNamingWhy()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(server.AcmeKey);

        using var format = await client.PostAsJsonAsync("/api/v1/alert-routes", new { name = "x", url = "http://127.0.0.1:9/hook", format = "teams" });
        format.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ServerHarness.JsonAsync(format))["detail"]!.GetValue<string>().ShouldContain("'format' may be webhook, slack, email; found 'teams'");
        using var mail = await client.PostAsJsonAsync("/api/v1/alert-routes", new { name = "x", url = "mailto:ops@example.com" });
        mail.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ServerHarness.JsonAsync(mail))["detail"]!.GetValue<string>().ShouldContain("Resync:SmtpHost");
        using var address = await client.PostAsJsonAsync("/api/v1/alert-routes", new { name = "x", url = "mailto:not an address" });
        (await ServerHarness.JsonAsync(address))["detail"]!.GetValue<string>().ShouldContain("not an e-mail address");
    }

    /// <summary>The statuses of a route's deliveries, newest first.</summary>
    private static async Task<IReadOnlyList<string>> StatusesAsync(HttpClient client, long routeId) =>
        [.. (await AlertRouteTests.DeliveriesAsync(client, routeId)).Select(d => d!["status"]!.GetValue<string>())];

    /// <summary>Starts a manual run and waits until the link is free: the run, its replays and its alerts are done.</summary>
    private static async Task RunAndWaitAsync(ServerHarness server, HttpClient client, string linkId)
    {
        await ServerHarness.StartRunAsync(client, linkId);
        await ServerHarness.EventuallyAsync(async () =>
        {
            using var link = await client.GetAsync($"/api/v1/links/{linkId}");
            return !(await ServerHarness.JsonAsync(link))["running"]!.GetValue<bool>();
        }, $"link {linkId} to be free");
    }
}
