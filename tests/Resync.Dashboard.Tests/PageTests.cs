using System.Globalization;

namespace Resync.Dashboard.Tests;

/// <summary>Every page at laptop and phone widths: what it shows, no serious axe-core violation, and the screenshots of docs/dashboard.md.</summary>
public sealed class PageTests(SeededDashboard dashboard) : IClassFixture<SeededDashboard>
{
    private string Run => dashboard.AcmeRunId.ToString(CultureInfo.InvariantCulture);

    public static TheoryData<string> Widths => ["laptop", "phone"];

    /// <summary>
    /// A link that replays its failures (durable ones too) once, at once,, converts the name (a warning on every record) and sets error policies:
    /// what its settings, its Replay run and its records show.
    /// </summary>
    private const string ReplayedLink = """
        name: acme-replayed
        source: { type: demo, records: 30, failingPage: 0 }
        steps:
          - convert: { field: name, to: integer, onError: default, default: 0 }
        target: { type: collect }
        settings:
          batchSize: 10
          parallelism: 1
          storeIncompleteRuns: false
          automatedReplay: { enabled: true, maxAttempts: 1, delays: [0s], includeDurable: true }
          errorPolicies:
            Runtime: { attempts: 3, delays: [5s, 30s], then: fail }
            Connection: { then: stop }
        """;

    [Fact]
    public async Task LinksPage_ShowsTheSettingsThatMatterForRecovery()
    {
        await dashboard.Server.PutLinkAsync(dashboard.Server.AcmeKey, "acme-replayed", ReplayedLink);
        var page = await dashboard.SignedInAsync(dashboard.Server.AcmeKey);

        var row = page.Locator("tr", new() { HasText = "acme-replayed" });
        var settings = row.Locator("details.settings");
        (await settings.Locator("summary").InnerTextAsync()).ShouldBe("batches of 10, replay on");
        await settings.Locator("summary").ClickAsync();
        var text = await settings.InnerTextAsync();
        text.ShouldContain("10 records each, 1 at once");
        text.ShouldContain("not kept");
        text.ShouldContain("on: up to 1 replay after 0 s, durable errors too");
        text.ShouldContain("3 attempts per call, from 1 s");
        text.ShouldContain("3 failed runs in a row; backoff 1 min, 2 min, 5 min, 10 min, 1 h, 3 h, 12 h, 24 h");
        text.ShouldContain("Connection: stop");
        text.ShouldContain("Runtime: 3 writes (after 5 s, 30 s), then fail");
        await Accessibility.ShouldHaveNoSeriousViolationsAsync(page);
    }

    [Fact]
    public async Task RunSummary_ReplayRun_ShowsItsBannerAndLinkVersion_AndRecordWarningsAreAList()
    {
        await dashboard.Server.PutLinkAsync(dashboard.Server.AcmeKey, "acme-replayed", ReplayedLink);
        var parent = (await dashboard.Server.RunToEndAsync(dashboard.Server.AcmeKey, "acme-replayed"))["id"]!.GetValue<long>();
        using var client = dashboard.Server.Client(dashboard.Server.AcmeKey);
        long replay = 0;
        await ServerHarness.EventuallyAsync(async () =>
        {
            var runs = await ServerHarness.JsonAsync(await client.GetAsync("/api/v1/runs?linkId=acme-replayed&kind=Replay"));
            var ended = runs["items"]!.AsArray().FirstOrDefault(r => r!["parentRunId"]?.GetValue<long>() == parent && r["status"]!.GetValue<string>() != "Running");
            replay = ended?["id"]!.GetValue<long>() ?? 0;
            return replay != 0;
        }, "the automated replay of the run ended");
        var page = await dashboard.SignedInAtAsync(dashboard.Server.AcmeKey, $"/runs/{replay}");
        (await page.Locator("#kind-banner").InnerTextAsync()).ShouldStartWith($"This is an automated replay of Run {parent}: it processes the records that failed there again.");
        (await page.Locator("#link-version code").InnerTextAsync()).ShouldNotBeNullOrWhiteSpace();
        await Accessibility.ShouldHaveNoSeriousViolationsAsync(page);

        await page.GetByRole(AriaRole.Link, new() { Name = "c-00003" }).ClickAsync();
        await DashboardBrowser.ReadyAsync(page);
        var warning = await page.Locator("#warnings li").InnerTextAsync();
        warning.ShouldStartWith("STEP_ERROR_HANDLED");
        warning.ShouldContain("· step convert(name) · field name: ");
        warning.ShouldNotContain("\"step\"");
    }

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
        await dashboard.Server.PutLinkAsync(dashboard.Server.AcmeKey, "acme-paused", ServerHarness.DemoLink("acme-paused"));
        using (var client = dashboard.Server.Client(dashboard.Server.AcmeKey))
        using (var body = ServerHarness.Json("""{"reason":"paused for the audit"}"""))
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
        var page = await dashboard.SignedInAtAsync(dashboard.Server.AcmeKey, $"/runs?status={status}");

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
        var page = await dashboard.SignedInAtAsync(dashboard.Server.AcmeKey, $"/runs?{filter}");

        var (name, value) = (filter.Split('=')[0], filter.Split('=')[1]);
        (await page.Locator($"#filter-{name}").InputValueAsync()).ShouldBe(value);
        var runLink = page.GetByRole(AriaRole.Link, new() { Name = $"Run {Run}", Exact = true });
        (await runLink.CountAsync()).ShouldBe(listed ? 1 : 0, await DashboardBrowser.MainTextAsync(page));
    }

    [Fact]
    public async Task RunSummary_WithErrors_ShowsCountsGroupsBatchesAndFailedRecords()
    {
        var page = await dashboard.SignedInAtAsync(dashboard.Server.AcmeKey, $"/runs/{Run}");

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
        var page = await dashboard.SignedInAtAsync(dashboard.Server.AcmeKey, $"/runs/{Run}");
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
