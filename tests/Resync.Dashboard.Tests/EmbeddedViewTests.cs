using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Resync.Core.Storage;
using Resync.Server;
using Resync.Server.Auth;

namespace Resync.Dashboard.Tests;

/// <summary>The seeded dashboard with a partner's origin allowed to frame the embeddable view.</summary>
public sealed class EmbeddingDashboard : SeededDashboard
{
    public const string Partner = "https://app.partner.example";

    protected override void Configure(ServerOptions options) => options.EmbedFrameAncestors = [Partner];
}

/// <summary>The embeddable self-serve view: what its token shows inside a partner's page, and everything it refuses.</summary>
public sealed class EmbeddedViewTests(EmbeddingDashboard dashboard) : IClassFixture<EmbeddingDashboard>
{
    private ServerHarness Server => dashboard.Server;

    private async Task<JsonNode> CreateAsync(string key, object request)
    {
        using var client = Server.Client(key);
        using var answer = await client.PostAsJsonAsync("/api/v1/embed-tokens", request);
        answer.StatusCode.ShouldBe(HttpStatusCode.Created, await answer.Content.ReadAsStringAsync());
        return await ServerHarness.JsonAsync(answer);
    }

    private HttpClient Embedded(string token)
    {
        var client = Server.Client(null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Embed", token);
        return client;
    }

    [Fact]
    public async Task EmbeddedView_ShowsTheTenantsFailedRecordsWithHints_AndNoRetryWhenViewOnly()
    {
        var made = await CreateAsync(Server.AcmeKey, new { linkId = "acme-contacts", permission = "view" });
        var page = await dashboard.NewPageAsync();
        await DashboardBrowser.GoAsync(page, made["url"]!.GetValue<string>());

        var text = await DashboardBrowser.MainTextAsync(page);
        text.ShouldContain("c-00003");
        text.ShouldContain("How to fix: Widen the phone column");
        text.ShouldNotContain("globex");
        (await page.GetByRole(AriaRole.Button, new() { Name = "Retry these records" }).CountAsync()).ShouldBe(0);
        (await page.Context.CookiesAsync()).ShouldBeEmpty("the view needs no session");
        await Screenshots.SaveAsync(page, "embedded");

        var direct = await dashboard.NewPageAsync(DashboardBrowser.Phone);
        await DashboardBrowser.GoAsync(direct, made["url"]!.GetValue<string>());
        await Accessibility.ShouldHaveNoSeriousViolationsAsync(direct);
    }

    [Fact]
    public async Task EmbedPage_MayBeFramedByTheConfiguredOriginOnly_AndDashboardPagesByNone()
    {
        using var client = Server.Client(null);
        using var embed = await client.GetAsync("/embed?token=x");
        embed.Headers.GetValues("Content-Security-Policy").Single().ShouldContain($"frame-ancestors {EmbeddingDashboard.Partner}");
        embed.Headers.GetValues("Referrer-Policy").Single().ShouldBe("no-referrer");
        using var signIn = await client.GetAsync("/signin");
        signIn.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("frame-ancestors 'none'");
    }

    [Fact]
    public async Task EmbedToken_WithRetry_RetriesTheFailedRecordsFromTheView()
    {
        var made = await CreateAsync(Server.AcmeKey, new { linkId = "acme-contacts", permission = "retry", expiresInMinutes = 5 });
        var page = await dashboard.NewPageAsync();
        await DashboardBrowser.GoAsync(page, made["url"]!.GetValue<string>());

        await page.GetByRole(AriaRole.Button, new() { Name = "Retry these records" }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Retrying: run");
    }

    [Fact]
    public async Task EmbedToken_BeyondItsScope_IsRefused()
    {
        await Server.PutLinkAsync(Server.AcmeKey, "acme-second", ServerHarness.DemoLink("acme-second", 5));
        var second = (await Server.RunToEndAsync(Server.AcmeKey, "acme-second"))["id"]!.GetValue<long>();
        var token = (await CreateAsync(Server.AcmeKey, new { linkId = "acme-contacts" }))["token"]!.GetValue<string>();
        using var client = Embedded(token);

        (await client.GetAsync($"/api/v1/runs/{Id(dashboard.AcmeRunId)}")).StatusCode.ShouldBe(HttpStatusCode.OK, "its own link's run");
        (await client.GetAsync($"/api/v1/runs?linkId=acme-contacts")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync($"/api/v1/runs/{Id(second)}")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "another link of the same tenant");
        (await client.GetAsync("/api/v1/runs")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "every run of the tenant");
        (await client.GetAsync($"/api/v1/runs/{Id(dashboard.GlobexRunId)}")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "another tenant's run");
        (await client.GetAsync("/api/v1/links")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "not a route of the view");
        (await client.GetAsync("/api/v1/incomplete-runs")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.PostAsync("/api/v1/embed-tokens", JsonContent.Create(new { }))).StatusCode.ShouldBe(HttpStatusCode.NotFound, "a token makes no tokens");
        using var retry = await client.PostAsync($"/api/v1/runs/{Id(dashboard.AcmeRunId)}/retry", null);
        retry.StatusCode.ShouldBe(HttpStatusCode.Forbidden, "a view-only token");
        (await retry.Content.ReadAsStringAsync()).ShouldContain("embed-view-only");
        using var tampered = Embedded(token[..^4] + (token[^4..] == "AAAA" ? "BBBB" : "AAAA"));
        (await tampered.GetAsync($"/api/v1/runs/{Id(dashboard.AcmeRunId)}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task EmbedToken_AfterItExpires_IsRefused_AndTheViewSaysSo()
    {
        var tokens = Server.Services.GetRequiredService<EmbedTokens>();
        var prefix = Server.AcmeKey[..12];
        var expired = tokens.Create(new EmbedScope("acme", null, EmbedPermission.View, prefix, TimeProvider.System.GetUtcNow().AddSeconds(-1)));
        using var client = Embedded(expired);

        using var answer = await client.GetAsync($"/api/v1/runs/{Id(dashboard.AcmeRunId)}");
        answer.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await answer.Content.ReadAsStringAsync()).ShouldContain("expired");
        var page = await dashboard.NewPageAsync();
        await DashboardBrowser.GoAsync(page, "/embed?token=" + Uri.EscapeDataString(expired));
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("expired");
    }

    [Fact]
    public async Task EmbedToken_OfARevokedKey_IsRefused()
    {
        var keys = Server.Services.GetRequiredService<ApiKeyService>();
        var (record, key) = await keys.CreateAsync(ApiKeyScope.Tenant, "acme", "partner", default);
        var token = (await CreateAsync(key, new { permission = "view" }))["token"]!.GetValue<string>();
        using var client = Embedded(token);
        (await client.GetAsync("/api/v1/runs")).StatusCode.ShouldBe(HttpStatusCode.OK, "a tenant-wide token lists the tenant's runs");

        await keys.RevokeAsync(record.Prefix, default);

        (await client.GetAsync("/api/v1/runs")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task EmbedToken_ForAnotherTenant_IsNotMade()
    {
        using var client = Server.Client(Server.AcmeKey);
        (await client.PostAsJsonAsync("/api/v1/embed-tokens", new { linkId = "globex-orders" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var tenant = await client.PostAsJsonAsync("/api/v1/embed-tokens", new { tenant = "globex" });
        tenant.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await tenant.Content.ReadAsStringAsync()).ShouldContain("its own tenant only");
        using var operatorClient = Server.Client(Server.OperatorKey);
        using var operatorWithout = await operatorClient.PostAsJsonAsync("/api/v1/embed-tokens", new { permission = "view" });
        operatorWithout.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var tooLong = await client.PostAsJsonAsync("/api/v1/embed-tokens", new { expiresInMinutes = 100_000 });
        tooLong.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
