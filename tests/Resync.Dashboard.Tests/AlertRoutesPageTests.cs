using System.Net.Http.Json;
using Resync.Server.Tests.Alerts;

namespace Resync.Dashboard.Tests;

/// <summary>The alert routes page: each route's health and deliveries, and a test alert sent from it.</summary>
public sealed class AlertRoutesPageTests(DashboardBrowser dashboard) : IClassFixture<DashboardBrowser>
{
    [Fact]
    public async Task TestAlert_ToAFailingWebhook_ShowsTheFailureAndItsHint_OnlyToItsTenant()
    {
        await using var receiver = await WebhookReceiver.StartAsync(firstAnswers: [500]);
        using (var client = dashboard.Server.Client(dashboard.Server.AcmeKey))
        using (var created = await client.PostAsJsonAsync("/api/v1/alert-routes", new { name = "ops pager", url = receiver.Url }))
            created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var page = await dashboard.SignedInAtAsync(dashboard.Server.AcmeKey, "/alerts");

        await Expect(page.Locator("main")).ToContainTextAsync("never called yet");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send a test alert: ops pager" }).ClickAsync();
        await Expect(page.Locator("main")).ToContainTextAsync("1 failure in a row");
        await Expect(page.Locator("main")).ToContainTextAsync("HTTP 500");
        await Expect(page.Locator("main table")).ToContainTextAsync("test");
        await Accessibility.ShouldHaveNoSeriousViolationsAsync(page);

        var globex = await dashboard.SignedInAtAsync(dashboard.Server.GlobexKey, "/alerts");
        (await DashboardBrowser.MainTextAsync(globex)).ShouldNotContain("ops pager");
    }
}
