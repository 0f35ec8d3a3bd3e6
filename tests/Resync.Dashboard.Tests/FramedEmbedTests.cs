using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Resync.Server;
using Resync.Testing.Http;

namespace Resync.Dashboard.Tests;

/// <summary>
/// The seeded dashboard and a partner's app: a second Kestrel on loopback whose page frames the embeddable view. The
/// server allows the partner as <c>http://localhost:{port}</c> only; the same app at <c>http://127.0.0.1:{port}</c> is
/// another origin (host differs), which the server does not list. Both are loopback, so Chromium's local network checks,
/// which refuse a public origin framing a loopback server, do not stand in the way.
/// </summary>
public sealed class PartnerDashboard : SeededDashboard, IAsyncLifetime
{
    private FakeApi _partner = null!;

    /// <summary>The partner app's port; its page at <c>/app?frame={url}</c> frames <c>url</c>.</summary>
    public int PartnerPort { get; private set; }

    public string ListedOrigin => $"http://localhost:{PartnerPort}";

    public string UnlistedOrigin => $"http://127.0.0.1:{PartnerPort}";

    async Task IAsyncLifetime.InitializeAsync()
    {
        // The partner starts first: the server's frame-ancestors name its port.
        _partner = await FakeApi.StartAsync((http, seen) =>
        {
            http.Response.ContentType = "text/html; charset=utf-8";
            var frame = WebUtility.HtmlEncode(seen.Parameter("frame") ?? "");
            return http.Response.WriteAsync($"""
                <!doctype html><html lang="en"><head><title>Partner app</title></head>
                <body><h1>Your sync problems</h1><iframe title="Failed records" src="{frame}" width="1000" height="700"></iframe></body></html>
                """);
        });
        PartnerPort = new Uri(_partner.Url).Port;
        await InitializeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _partner.DisposeAsync();
    }

    protected override void Configure(ServerOptions options) => options.EmbedFrameAncestors = [ListedOrigin];
}

/// <summary>The embeddable view inside a real iframe of another origin: it renders and retries there, and only there.</summary>
public sealed class FramedEmbedTests(PartnerDashboard dashboard) : IClassFixture<PartnerDashboard>
{
    private async Task<string> EmbedUrlAsync()
    {
        using var client = dashboard.Server.Client(dashboard.Server.AcmeKey);
        using var answer = await client.PostAsJsonAsync("/api/v1/embed-tokens", new { linkId = "acme-contacts", permission = "retry" });
        answer.StatusCode.ShouldBe(HttpStatusCode.Created, await answer.Content.ReadAsStringAsync());
        return dashboard.Server.Url + (await ServerHarness.JsonAsync(answer))["url"]!.GetValue<string>();
    }

    private static string App(string origin, string frame) => $"{origin}/app?frame={Uri.EscapeDataString(frame)}";

    [Fact]
    public async Task EmbeddedView_InAListedPartnersIframe_RendersAndRetries()
    {
        var page = await dashboard.NewPageAsync();
        await page.GotoAsync(App(dashboard.ListedOrigin, await EmbedUrlAsync()));

        var frame = page.FrameLocator("iframe");
        await frame.Locator("main[data-ready=true]").WaitForAsync();
        var text = await frame.Locator("main").InnerTextAsync();
        text.ShouldContain("c-00003");
        text.ShouldContain("How to fix: Widen the phone column");
        new Uri(page.Frames.Single(f => f != page.MainFrame).Url).Host.ShouldBe("127.0.0.1", "the view is served by the server's origin, not the partner's");
        await frame.GetByRole(AriaRole.Button, new() { Name = "Retry these records" }).First.ClickAsync();
        await Expect(frame.GetByRole(AriaRole.Status).First).ToContainTextAsync("Retrying: run");
    }

    [Fact]
    public async Task EmbeddedView_InAnUnlistedOriginsIframe_IsRefusedByTheBrowser()
    {
        var page = await dashboard.NewPageAsync();
        var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("frame-ancestors", StringComparison.Ordinal))
                refused.TrySetResult(message.Text);
        };
        await page.GotoAsync(App(dashboard.UnlistedOrigin, await EmbedUrlAsync()));

        (await refused.Task.WaitAsync(Patience.Limit)).ShouldContain(dashboard.ListedOrigin);
        (await page.FrameLocator("iframe").Locator("main").CountAsync()).ShouldBe(0, "nothing of the view is shown");
    }
}
