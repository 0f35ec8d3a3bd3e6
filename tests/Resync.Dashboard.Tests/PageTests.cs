using System.Globalization;
using Microsoft.Playwright;

namespace Resync.Dashboard.Tests;

/// <summary>Every page at laptop and phone widths: what it shows, no serious axe-core violation, and the screenshots of docs/dashboard.md.</summary>
public sealed class PageTests(SeededDashboard dashboard) : IClassFixture<SeededDashboard>
{
    private string Run => dashboard.AcmeRunId.ToString(CultureInfo.InvariantCulture);

    public static TheoryData<string> Widths => ["laptop", "phone"];

    [Theory]
    [MemberData(nameof(Widths))]
    public async Task EveryPage_HasNoSeriousAccessibilityViolation(string width)
    {
        var viewport = width == "phone" ? DashboardBrowser.Phone : DashboardBrowser.Laptop;
        var signIn = await dashboard.NewPageAsync(viewport);
        await signIn.GotoAsync("/signin");
        await Accessibility.ShouldHaveNoSeriousViolationsAsync(signIn);

        var page = await dashboard.SignedInAsync(dashboard.Server.AcmeKey, viewport);
        var record = await RecordPathAsync(page);
        foreach (var path in new[] { "/links", "/runs", $"/runs/{Run}", record, "/incomplete", "/alerts" })
        {
            await DashboardBrowser.GoAsync(page, path);
            await Accessibility.ShouldHaveNoSeriousViolationsAsync(page);
            (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth + 1"))
                .ShouldBeTrue($"{path} fits the {width} width without scrolling sideways");
        }
    }

    /// <summary>The record view's path of failed record c-00003, as the run summary links it.</summary>
    private async Task<string> RecordPathAsync(IPage page)
    {
        await DashboardBrowser.GoAsync(page, $"/runs/{Run}");
        return (await page.GetByRole(AriaRole.Link, new() { Name = "c-00003" }).GetAttributeAsync("href"))!;
    }

    [Fact]
    public async Task LinksPage_ShowsStateHealthLastRunAndActions()
    {
        var page = await dashboard.SignedInAsync(dashboard.Server.AcmeKey);

        var row = page.Locator("tr", new() { HasText = "acme-contacts" });
        var text = await row.InnerTextAsync();
        text.ShouldContain("Active");
        text.ShouldContain("no failures in a row");
        text.ShouldContain("CompletedWithErrors");
        (await row.GetByRole(AriaRole.Button, new() { Name = "Run now: acme-contacts" }).IsEnabledAsync()).ShouldBeTrue();
        await Screenshots.SaveAsync(page, "links");
    }

    [Fact]
    public async Task LinksPage_DeactivatedLink_ShowsTheReason_AndReactivateMakesItActive()
    {
        await dashboard.Server.PutLinkAsync(dashboard.Server.AcmeKey, "acme-paused", SeededDashboard.DemoLink("acme-paused"));
        using (var client = dashboard.Server.Client(dashboard.Server.AcmeKey))
        using (var body = new StringContent("""{"reason":"paused for the audit"}""", System.Text.Encoding.UTF8, "application/json"))
            (await client.PostAsync("/api/v1/links/acme-paused/deactivate", body)).EnsureSuccessStatusCode();
        var page = await dashboard.SignedInAsync(dashboard.Server.AcmeKey);

        var row = page.Locator("tr", new() { HasText = "acme-paused" });
        (await row.InnerTextAsync()).ShouldContain("paused for the audit");
        (await row.GetByRole(AriaRole.Button, new() { Name = "Run now: acme-paused" }).IsDisabledAsync()).ShouldBeTrue();
        await row.GetByRole(AriaRole.Button, new() { Name = "Reactivate: acme-paused" }).ClickAsync();
        await Microsoft.Playwright.Assertions.Expect(page.Locator("tr", new() { HasText = "acme-paused" }).Locator(".badge").First).ToHaveTextAsync("Active");
    }

    [Theory]
    [InlineData("CompletedWithErrors", true)]
    [InlineData("Succeeded", false)]
    public async Task RunsPage_FilteredByStatus_ListsOnlyMatchingRuns(string status, bool listed)
    {
        var page = await dashboard.SignedInAsync(dashboard.Server.AcmeKey);
        await DashboardBrowser.GoAsync(page, $"/runs?status={status}");

        (await page.Locator("#filter-status").InputValueAsync()).ShouldBe(status);
        (await page.GetByRole(AriaRole.Link, new() { Name = $"Run {Run}", Exact = true }).CountAsync()).ShouldBe(listed ? 1 : 0);
    }

    [Theory]
    [InlineData("kind=Manual", true)]
    [InlineData("kind=Retry", false)]
    [InlineData("from=2000-01-01T00:00", true)]
    [InlineData("to=2000-01-01T00:00", false)]
    public async Task RunsPage_FilteredByKindOrTime_ListsOnlyMatchingRuns(string filter, bool listed)
    {
        var page = await dashboard.SignedInAsync(dashboard.Server.AcmeKey);
        await DashboardBrowser.GoAsync(page, $"/runs?{filter}");

        var (name, value) = (filter.Split('=')[0], filter.Split('=')[1]);
        (await page.Locator($"#filter-{name}").InputValueAsync()).ShouldBe(value);
        var runLink = page.GetByRole(AriaRole.Link, new() { Name = $"Run {Run}", Exact = true });
        (await runLink.CountAsync()).ShouldBe(listed ? 1 : 0, await page.Locator("main").InnerTextAsync());
    }

    [Fact]
    public async Task RunSummary_WithErrors_ShowsCountsGroupsBatchesAndFailedRecords()
    {
        var page = await dashboard.SignedInAsync(dashboard.Server.AcmeKey);
        await DashboardBrowser.GoAsync(page, $"/runs/{Run}");

        (await page.Locator("[data-count=read]").InnerTextAsync()).ShouldBe("30");
        (await page.Locator("[data-count=failed]").InnerTextAsync()).ShouldBe("3");
        var groups = await page.Locator("ol.groups").InnerTextAsync();
        groups.ShouldContain("3 records: the target's check constraint refused the phone");
        groups.ShouldContain("Hint: Widen the phone column");
        (await page.Locator("#records tbody tr").CountAsync()).ShouldBe(3);
        (await page.Locator("#batches tbody tr").CountAsync()).ShouldBe(3);
        (await page.Locator("#retry-failures").IsEnabledAsync()).ShouldBeTrue();
        (await page.Locator("time").First.GetAttributeAsync("title")).ShouldEndWith("UTC");
        await Screenshots.SaveAsync(page, "run-summary");
    }

    [Fact]
    public async Task RecordView_ShowsBothSnapshotsWithTheFailingFieldMarked()
    {
        var page = await dashboard.SignedInAsync(dashboard.Server.AcmeKey);
        await DashboardBrowser.GoAsync(page, $"/runs/{Run}");
        await page.GetByRole(AriaRole.Link, new() { Name = "c-00003" }).ClickAsync();
        await DashboardBrowser.ReadyAsync(page);

        (await page.Locator("h1").InnerTextAsync()).ShouldBe("Record c-00003");
        (await page.Locator(".error-box").InnerTextAsync()).ShouldContain("CHECK_VIOLATION");
        var failing = page.Locator(".snapshots tr.failing");
        (await failing.CountAsync()).ShouldBe(1);
        (await failing.Locator("td.field").InnerTextAsync()).ShouldStartWith("phone");
        (await page.Locator("#field-phone").GetAttributeAsync("aria-invalid")).ShouldBe("true");
        await Screenshots.SaveAsync(page, "record");
    }
}
