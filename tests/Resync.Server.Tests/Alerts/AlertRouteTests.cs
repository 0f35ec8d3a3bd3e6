using System.Net.Http.Json;

namespace Resync.Server.Tests.Alerts;

public sealed class AlertRouteTests
{
    /// <summary>A link whose target refuses the credentials at the first batch: the run fails durably (nothing parked) and raises run-failed.</summary>
    private static string FailingLink(string id) => ServerHarness.DemoLink(id, records: 20, ", storeIncompleteRuns: false, retry: { attempts: 1 }");

    private static HttpRequestException CredentialsRefused() => new("The target refused the credentials.", null, HttpStatusCode.Unauthorized);

    [Fact]
    public async Task RunFailingDurably_DeliversExactlyOneSignedAlert_NamingRunLinkTenantErrorAndRequestId()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await ServerHarness.StartAsync();
        server.Target.ThrowOnBatch(1, CredentialsRefused());
        await server.PutLinkAsync(server.AcmeKey, "orders", FailingLink("orders"));
        using var client = server.Client(server.AcmeKey);
        var (routeId, secret) = await CreateRouteAsync(client, new { name = "ops", url = receiver.Url });

        using var start = new HttpRequestMessage(HttpMethod.Post, "/api/v1/links/orders/runs");
        start.Headers.Add("X-Request-Id", "req-alert-1");
        using var started = await client.SendAsync(start);
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var runId = (await ServerHarness.JsonAsync(started))["runId"]!.GetValue<long>();
        await ServerHarness.EventuallyAsync(async () => (await DeliveriesAsync(client, routeId)).Any(d => d!["status"]!.GetValue<string>() == "Delivered"),
            "the alert to be delivered");

        (await DeliveriesAsync(client, routeId)).Count.ShouldBe(1);
        var webhook = receiver.Received.ShouldHaveSingleItem();
        webhook.VerifiesWith(secret).ShouldBeTrue();
        webhook.VerifiesWith(secret.Replace(secret[^6..], "AAAAA=")).ShouldBeFalse();
        webhook.Id.ShouldStartWith("msg_");
        var body = JsonNode.Parse(webhook.Body)!;
        body["type"]!.GetValue<string>().ShouldBe("run-failed");
        var data = body["data"]!;
        data["runId"]!.GetValue<long>().ShouldBe(runId);
        data["linkId"]!.GetValue<string>().ShouldBe("orders");
        data["tenant"]!.GetValue<string>().ShouldBe("acme");
        data["requestId"]!.GetValue<string>().ShouldBe("req-alert-1");
        data["error"]!["type"]!.GetValue<string>().ShouldBe("InvalidAccessToken");
        data["error"]!["code"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        data["error"]!["hint"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        server.Logs.Lines.ShouldContain(line => line.Message.Contains("Alert run-failed for link orders (tenant acme)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReceiverAnswering500ThenOk_GetsTheSameWebhookIdAfterTheBackoffDelay_AndTheRouteShowsTheFailureMeanwhile()
    {
        var clock = new ManualTimeProvider();
        await using var receiver = await WebhookReceiver.StartAsync(firstAnswers: [500]);
        await using var server = await ServerHarness.StartAsync(clock);
        using var client = server.Client(server.AcmeKey);
        var (routeId, secret) = await CreateRouteAsync(client, new { name = "flaky", url = receiver.Url });

        var delivery = await TestAlertAsync(client, routeId);
        delivery["status"]!.GetValue<string>().ShouldBe("Pending");
        delivery["attempts"]![0]!["statusCode"]!.GetValue<int>().ShouldBe(500);
        delivery["nextAttemptAt"]!.GetValue<DateTimeOffset>().ShouldBe(ManualTimeProvider.DefaultStart.AddSeconds(10));

        var route = await RouteAsync(client, routeId);
        route["health"]!["consecutiveFailures"]!.GetValue<int>().ShouldBe(1);
        route["health"]!["lastAttempt"]!["statusCode"]!.GetValue<int>().ShouldBe(500);
        route["health"]!["lastAttempt"]!["error"]!.GetValue<string>().ShouldContain("HTTP 500");
        route["health"]!["lastAttempt"]!["hint"]!.GetValue<string>().ShouldContain("tried again later");
        route["health"]!["nextAttemptAt"]!.GetValue<DateTimeOffset>().ShouldBe(ManualTimeProvider.DefaultStart.AddSeconds(10));
        server.Logs.Lines.ShouldContain(line => line.Message.Contains("failed at attempt 1: The webhook answered HTTP 500", StringComparison.Ordinal));

        clock.Advance(TimeSpan.FromSeconds(9));
        receiver.Received.Count.ShouldBe(1); // not before its time
        clock.Advance(TimeSpan.FromSeconds(1));
        await ServerHarness.EventuallyAsync(async () => (await RouteAsync(client, routeId))["health"]!["consecutiveFailures"]!.GetValue<int>() == 0,
            "the second attempt to succeed");

        receiver.Received.Count.ShouldBe(2);
        receiver.Received[1].Id.ShouldBe(receiver.Received[0].Id);
        receiver.Received[1].Timestamp.ShouldBe(ManualTimeProvider.DefaultStart.AddSeconds(10).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        receiver.Received[1].VerifiesWith(secret).ShouldBeTrue();
        var delivered = (await DeliveriesAsync(client, routeId)).ShouldHaveSingleItem()!;
        delivered["status"]!.GetValue<string>().ShouldBe("Delivered");
        delivered["attempts"]!.AsArray().Select(a => a!["succeeded"]!.GetValue<bool>()).ShouldBe([false, true]);
    }

    [Fact]
    public async Task RouteForLinkA_GetsNothingForLinkB_WhileATenantWideRouteGetsBoth()
    {
        await using var onlyA = await WebhookReceiver.StartAsync();
        await using var everyLink = await WebhookReceiver.StartAsync();
        await using var server = await ServerHarness.StartAsync();
        server.Target.ThrowOnBatch(1, CredentialsRefused());
        await server.PutLinkAsync(server.AcmeKey, "link-a", FailingLink("link-a"));
        await server.PutLinkAsync(server.AcmeKey, "link-b", FailingLink("link-b"));
        using var client = server.Client(server.AcmeKey);
        await CreateRouteAsync(client, new { name = "a only", url = onlyA.Url, linkId = "link-a" });
        await CreateRouteAsync(client, new { name = "every link", url = everyLink.Url });

        foreach (var link in new[] { "link-a", "link-b" })
        {
            await ServerHarness.StartRunAsync(client, link);
            await ServerHarness.EventuallyAsync(() => Task.FromResult(everyLink.Received.Any(w => w.Body.Contains($"\"linkId\":\"{link}\"", StringComparison.Ordinal))),
                $"the alert of {link} at the tenant-wide route");
        }

        onlyA.Received.ShouldHaveSingleItem().Body.ShouldContain("\"linkId\":\"link-a\"");
        everyLink.Received.Count.ShouldBe(2);
    }

    [Fact]
    public async Task TenantKey_CannotSeeOrUseAnotherTenantsRoute_NorAnOperatorsAllTenantsRoute()
    {
        await using var server = await ServerHarness.StartAsync();
        using var acme = server.Client(server.AcmeKey);
        using var globex = server.Client(server.GlobexKey);
        using var operatorClient = server.Client(server.OperatorKey);
        var (acmeRoute, _) = await CreateRouteAsync(acme, new { name = "acme ops", url = "http://127.0.0.1:9/hook" });
        var (allTenants, _) = await CreateRouteAsync(operatorClient, new { name = "noc", url = "http://127.0.0.1:9/hook" });
        (await RouteAsync(operatorClient, allTenants))["tenant"].ShouldBeNull();

        foreach (var (client, routeId) in new[] { (globex, acmeRoute), (acme, allTenants) })
        {
            using var get = await client.GetAsync($"/api/v1/alert-routes/{routeId}");
            using var put = await client.PutAsJsonAsync($"/api/v1/alert-routes/{routeId}", new { name = "mine", url = "http://127.0.0.1:9/x" });
            using var deliveries = await client.GetAsync($"/api/v1/alert-routes/{routeId}/deliveries");
            using var test = await client.PostAsync($"/api/v1/alert-routes/{routeId}/test", null);
            using var delete = await client.DeleteAsync($"/api/v1/alert-routes/{routeId}");
            new[] { get, put, deliveries, test, delete }.Select(r => r.StatusCode).ShouldAllBe(status => status == HttpStatusCode.NotFound);
            (await ServerHarness.JsonAsync(get))["code"]!.GetValue<string>().ShouldBe("not-found");
        }
        (await ListAsync(globex)).ShouldBeEmpty();
        (await ListAsync(acme)).Select(r => r!["id"]!.GetValue<long>()).ShouldBe([acmeRoute]);
        (await ListAsync(operatorClient)).Count.ShouldBe(2);
        (await RouteAsync(acme, acmeRoute))["name"]!.GetValue<string>().ShouldBe("acme ops"); // the refused PUT changed nothing
    }

    [Fact]
    public async Task TestAlert_ArrivesSigned_AndTheAnswerIsTheDeliveredDelivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(server.AcmeKey);
        var (routeId, secret) = await CreateRouteAsync(client, new { name = "ops", url = receiver.Url });

        var delivery = await TestAlertAsync(client, routeId);

        delivery["status"]!.GetValue<string>().ShouldBe("Delivered");
        delivery["attempts"]![0]!["statusCode"]!.GetValue<int>().ShouldBe(200);
        var webhook = receiver.Received.ShouldHaveSingleItem();
        webhook.Id.ShouldBe(delivery["webhookId"]!.GetValue<string>());
        webhook.VerifiesWith(secret).ShouldBeTrue();
        var body = JsonNode.Parse(webhook.Body)!;
        body["type"]!.GetValue<string>().ShouldBe("test");
        body["data"]!["tenant"]!.GetValue<string>().ShouldBe("acme");
        body["data"]!["message"]!.GetValue<string>().ShouldContain("Test alert for route 'ops'");
    }

    [Fact]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification = "RaiseAlertAndRestartAsync stops the server it is given and hands back its restart, disposed by await using.")]
    public async Task Outbox_AnAlertNotYetDeliveredWhenTheServerStops_IsDeliveredAfterItStartsAgainOnTheSameState()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // The receiver holds the first request until the server hangs up: the delivery is in flight when the server stops.
        var first = true;
        receiver.BeforeAnswer = token =>
        {
            var hold = first;
            first = false;
            return hold ? Task.Delay(Timeout.Infinite, token) : Task.CompletedTask;
        };
        var server = await ServerHarness.StartAsync();
        await using var restarted = await RaiseAlertAndRestartAsync(server, receiver);
        using var client = restarted.Client(restarted.OperatorKey);
        var routeId = (await ListAsync(client)).ShouldHaveSingleItem()!["id"]!.GetValue<long>();

        await ServerHarness.EventuallyAsync(async () => (await DeliveriesAsync(client, routeId)).Single()!["status"]!.GetValue<string>() == "Delivered",
            "the stored alert to be delivered after the restart");

        receiver.Received.Count.ShouldBe(2);
        receiver.Received[1].Id.ShouldBe(receiver.Received[0].Id);
        JsonNode.Parse(receiver.Received[1].Body)!["type"]!.GetValue<string>().ShouldBe("run-failed");
        (await DeliveriesAsync(client, routeId)).Single()!["attempts"]!.AsArray().Count.ShouldBe(1); // the cut attempt left no trace but the resend
    }

    [Fact]
    public async Task MalformedRouteRequests_AnswerSpecific400Problems()
    {
        await using var server = await ServerHarness.StartAsync(configure: options => options.AllowPrivateNetworks = false);
        await server.PutLinkAsync(server.GlobexKey, "globex-link", FailingLink("globex-link"));
        using var client = server.Client(server.AcmeKey);
        var cases = new (string Body, string Code, string Detail)[]
        {
            ("{\"url\":\"https://example.com/hook\"}", "invalid-alert-route", "Give the route a 'name'"),
            ("{\"name\":\"ops\"}", "invalid-alert-route", "Give the webhook's 'url'"),
            ("{\"name\":\"ops\",\"url\":\"ftp://example.com/hook\"}", "invalid-alert-route", "absolute http or https URL; found 'ftp://example.com/hook'"),
            ("{\"name\":\"ops\",\"url\":\"/hook\"}", "invalid-alert-route", "absolute http or https URL; found '/hook'"),
            ("{\"name\":\"ops\",\"url\":\"http://10.0.0.5/hook\"}", "invalid-alert-route", "points at 10.0.0.5"),
            ("{\"name\":\"ops\",\"url\":\"https://example.com/hook\",\"kinds\":[\"link-down\"]}", "invalid-alert-route", "found 'link-down'"),
            ("{\"name\":\"ops\",\"url\":\"https://example.com/hook\",\"linkId\":\"globex-link\"}", "invalid-alert-route", "there is no link 'globex-link'"),
            ("{\"name\":\"ops\",\"url\":\"https://example.com/hook\",\"tenant\":\"globex\"}", "invalid-alert-route", "leave 'tenant' out or give 'acme'; found 'globex'"),
            ("{\"name\":\"ops\",", "malformed-json", "not valid"),
            ("{\"name\":\"ops\",\"url\":\"https://example.com/hook\",\"kinds\":\"test\"}", "malformed-json", "not valid"),
        };

        foreach (var (body, code, detail) in cases)
        {
            using var response = await client.PostAsync("/api/v1/alert-routes", ServerHarness.Json(body));
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            var problem = await ServerHarness.JsonAsync(response);
            problem["code"]!.GetValue<string>().ShouldBe(code, body);
            problem["detail"]!.GetValue<string>().ShouldContain(detail, Case.Sensitive, body);
        }
        (await ListAsync(client)).ShouldBeEmpty();
    }

    private static async Task<ServerHarness> RaiseAlertAndRestartAsync(ServerHarness server, WebhookReceiver receiver)
    {
        server.Target.ThrowOnBatch(1, CredentialsRefused());
        await server.PutLinkAsync(server.AcmeKey, "orders", FailingLink("orders"));
        using var client = server.Client(server.AcmeKey);
        await CreateRouteAsync(client, new { name = "ops", url = receiver.Url });
        await ServerHarness.StartRunAsync(client, "orders");
        await ServerHarness.EventuallyAsync(() => Task.FromResult(receiver.Received.Count == 1), "the first delivery to be in flight");
        return await server.RestartAsync();
    }

    internal static async Task<(long Id, string Secret)> CreateRouteAsync(HttpClient client, object route)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/alert-routes", route);
        var body = await ServerHarness.JsonAsync(response);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToJsonString());
        var secret = body["secret"]!.GetValue<string>();
        secret.ShouldStartWith("whsec_");
        Convert.FromBase64String(secret["whsec_".Length..]).Length.ShouldBe(32);
        return (body["route"]!["id"]!.GetValue<long>(), secret);
    }

    /// <summary>Sends a test alert through the route (answered 200 once its first attempt is made); the delivery.</summary>
    private static async Task<JsonNode> TestAlertAsync(HttpClient client, long routeId)
    {
        using var tested = await client.PostAsync($"/api/v1/alert-routes/{routeId}/test", null);
        tested.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await ServerHarness.JsonAsync(tested);
    }

    private static async Task<JsonNode> RouteAsync(HttpClient client, long routeId)
    {
        using var response = await client.GetAsync($"/api/v1/alert-routes/{routeId}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var route = await ServerHarness.JsonAsync(response);
        route.AsObject().ContainsKey("secret").ShouldBeFalse();
        return route;
    }

    private static async Task<JsonArray> ListAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/v1/alert-routes");
        return (await ServerHarness.JsonAsync(response))["items"]!.AsArray();
    }

    internal static async Task<JsonArray> DeliveriesAsync(HttpClient client, long routeId)
    {
        using var response = await client.GetAsync($"/api/v1/alert-routes/{routeId}/deliveries");
        return (await ServerHarness.JsonAsync(response))["items"]!.AsArray();
    }
}
