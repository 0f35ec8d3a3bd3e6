using Resync.Testing.Smtp;

namespace Resync.Server.Tests.Alerts;

/// <summary>Alert routes a link declares in its <c>alerts:</c> section: delivered like the API's, confined to the link and its tenant.</summary>
public sealed class DeclaredAlertRouteTests
{
    private const string Secret = "whsec_MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";

    /// <summary>A link whose refused records are parked for a person (durable Data errors), with the routes given.</summary>
    private static string Link(string id, string alerts) =>
        ServerHarness.DemoLink(id, records: 20, ", retry: { attempts: 1 }, errorPolicies: { Data: { then: park } }") + "\n" + alerts;

    [Fact]
    public async Task DeclaredRoutes_GetTheFailureByWebhookChatAndEmail_AndAreToldWhenARetryResolvesIt()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var chat = await WebhookReceiver.StartAsync();
        await using var smtp = SmtpReceiver.Start();
        await using var server = await ServerHarness.StartAsync(configure: ServerHarness.SendingMailTo(smtp));
        server.Target.Refuse(record => record.Key is "c-00003", ServerHarness.PhoneRefused);
        await server.PutLinkAsync(server.AcmeKey, "orders", Link("orders", $$"""
            alerts:
              - { name: ops, webhook: "{{webhook.Url}}", secret: {{Secret}}, kinds: [incomplete-waiting, chain-resolved] }
              - { name: chat, chat: "{{chat.Url}}" }
              - { name: mail, email: [ops@example.com] }
            """));
        using var client = server.Client(server.AcmeKey);

        await ServerHarness.StartRunAsync(client, "orders");
        await smtp.WaitForAsync(1);
        await ServerHarness.EventuallyAsync(() => Task.FromResult(webhook.Received.Count == 1 && chat.Received.Count == 1), "the failure to every route");
        server.Target.Fix();
        using var parked = await client.GetAsync("/api/v1/incomplete-runs?linkId=orders");
        var incompleteId = (await ServerHarness.JsonAsync(parked))["items"]!.AsArray().ShouldHaveSingleItem()!["id"]!.GetValue<long>();
        using var retried = await client.PostAsync($"/api/v1/incomplete-runs/{incompleteId}/retry", null);
        retried.StatusCode.ShouldBe(HttpStatusCode.Accepted, await retried.Content.ReadAsStringAsync());
        await smtp.WaitForAsync(2);
        await ServerHarness.EventuallyAsync(() => Task.FromResult(webhook.Received.Count == 2 && chat.Received.Count == 2), "the resolution to every route");

        webhook.Received.ShouldAllBe(received => received.VerifiesWith(Secret));
        webhook.Received.Select(received => JsonNode.Parse(received.Body)!["type"]!.GetValue<string>()).ShouldBe(["incomplete-waiting", "chain-resolved"]);
        chat.Received[1].Body.ShouldContain("chain-resolved");
        smtp.Received.Select(mail => mail.To.ShouldHaveSingleItem()).ShouldBe(["ops@example.com", "ops@example.com"]);
        smtp.Received[1].Data.ShouldContain("Subject: [Resync] chain-resolved");
        var routes = await RoutesAsync(client);
        routes.Select(r => (r!["name"]!.GetValue<string>(), r["format"]!.GetValue<string>(), r["declaredBy"]!.GetValue<string>(), r["linkId"]!.GetValue<string>(),
            r["tenant"]!.GetValue<string>())).ShouldBe([("ops", "webhook", "orders", "orders", "acme"), ("chat", "slack", "orders", "orders", "acme"),
                ("mail", "email", "orders", "orders", "acme")]);
    }

    [Fact]
    public async Task DeclaredRoute_IsItsTenantsOnly_ChangedOnlyWithItsLink_AndGoneWithItsAlertsSection()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "orders", Link("orders", "alerts: [{ name: ops, webhook: \"https://alerts.example.com/a\" }]"));
        using var acme = server.Client(server.AcmeKey);
        using var globex = server.Client(server.GlobexKey);
        var id = (await RoutesAsync(acme)).ShouldHaveSingleItem()!["id"]!.GetValue<long>();

        (await RoutesAsync(globex)).ShouldBeEmpty();
        (await globex.GetAsync($"/api/v1/alert-routes/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var put = await acme.PutAsync($"/api/v1/alert-routes/{id}",
            ServerHarness.Json("""{"name":"ops","url":"https://alerts.example.com/b"}"""));
        put.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ServerHarness.JsonAsync(put))["code"]!.GetValue<string>().ShouldBe("route-from-link");
        using var delete = await acme.DeleteAsync($"/api/v1/alert-routes/{id}");
        delete.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ServerHarness.JsonAsync(delete))["detail"]!.GetValue<string>().ShouldContain("declared in the alerts section of link 'orders'");

        await server.PutLinkAsync(server.AcmeKey, "orders", Link("orders", "alerts: [{ name: ops, webhook: \"https://alerts.example.com/c\", kinds: [run-failed] }]"));
        var changed = (await RoutesAsync(acme)).ShouldHaveSingleItem()!;
        (changed["id"]!.GetValue<long>(), changed["url"]!.GetValue<string>(), changed["kinds"]!.AsArray().Single()!.GetValue<string>())
            .ShouldBe((id, "https://alerts.example.com/c", "run-failed"));
        await server.PutLinkAsync(server.AcmeKey, "orders", Link("orders", ""));
        (await RoutesAsync(acme)).ShouldBeEmpty();
    }

    [Fact]
    public async Task TenantLink_WhoseRouteReachesAForbiddenAddressOrAnotherTenant_IsRefusedNamingTheLine()
    {
        await using var server = await ServerHarness.StartAsync();
        using var acme = server.Client(server.AcmeKey);
        (string Route, string Expected)[] refused =
        [
            ("{ name: ops, webhook: \"http://10.0.0.5/hook\" }", "alerts[0].webhook: points at 10.0.0.5, an address this server does not connect to: private network"),
            ("{ name: ops, webhook: \"http://169.254.169.254/latest/meta-data\" }", "alerts[0].webhook: points at 169.254.169.254"),
            ("{ name: ops, chat: \"http://[::ffff:10.0.0.5]/hook\" }", "alerts[0].chat: points at ::ffff:10.0.0.5"),
            ("{ name: ops, email: [ops@example.com] }", "alerts[0].email: this server sends no e-mail"),
            ("{ name: ops, webhook: \"https://alerts.example.com/a\", tenant: globex }", "unknown key 'tenant' in alerts[0]"),
            ("{ name: ops, webhook: \"https://alerts.example.com/a\", linkId: billing }", "unknown key 'linkId' in alerts[0]"),
        ];

        foreach (var (route, expected) in refused)
        {
            using var response = await acme.PutAsync("/api/v1/links/orders",
                new StringContent(Link("orders", $"alerts:\n  - {route}"), Encoding.UTF8, "application/yaml"));
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
            var problem = JsonNode.Parse(text)!["problems"]!.AsArray().ShouldHaveSingleItem()!;
            problem["message"]!.GetValue<string>().ShouldContain(expected, Case.Sensitive, text);
            problem["line"]!.GetValue<int>().ShouldBe(6, text);
        }
        (await RoutesAsync(acme)).ShouldBeEmpty();
    }

    private static async Task<JsonArray> RoutesAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/v1/alert-routes");
        return (await ServerHarness.JsonAsync(response))["items"]!.AsArray();
    }
}
