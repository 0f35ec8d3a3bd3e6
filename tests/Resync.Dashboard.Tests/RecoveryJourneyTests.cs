using System.Text.RegularExpressions;

namespace Resync.Dashboard.Tests;

/// <summary>The recovery journey a person makes in the browser, from a run with failures to its root resolved.</summary>
public sealed class RecoveryJourneyTests(DashboardBrowser dashboard) : IClassFixture<DashboardBrowser>
{
    [Fact]
    public async Task RecoveryJourney_RunWatchLiveOpenRecordFixRetry_ResolvesTheRoot()
    {
        var server = dashboard.Server;
        server.Target.Refuse(record => ServerHarness.RefusedContacts.Contains(record.Key!), ServerHarness.PhoneRefused);
        // Batches after the first wait until the test has seen the first one counted: the run is watched while it goes.
        var secondBatch = HeldBatches.From(server.Target, fromBatch: 2);
        await server.PutLinkAsync(server.AcmeKey, "journey", ServerHarness.DemoLink("journey"));
        var page = await dashboard.SignedInAsync(server.AcmeKey);

        // Run it from the dashboard and watch the counts move without reloading.
        await page.GetByRole(AriaRole.Button, new() { Name = "Run now: journey" }).ClickAsync();
        await DashboardBrowser.ArrivedAsync(page, "/runs/[^/?]+");
        await DashboardBrowser.ReadyAsync(page);
        var rootPath = new Uri(page.Url).AbsolutePath;
        await Expect(page.Locator("#live")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-count=succeeded]")).ToHaveTextAsync("9");
        await Expect(page.Locator("#retry-failures")).ToBeDisabledAsync();
        await page.EvaluateAsync("() => window.sameDocument = true");
        secondBatch.Release();
        await Expect(page.Locator("[data-count=succeeded]")).ToHaveTextAsync("27");
        await Expect(page.Locator("[data-count=failed]")).ToHaveTextAsync("3");
        await Expect(page.Locator("#summary-title + dl .badge").First).ToHaveTextAsync("CompletedWithErrors");
        (await page.EvaluateAsync<bool>("() => window.sameDocument === true")).ShouldBeTrue("the page updated in place, without a reload");

        // Open a failed record: both snapshots, the failing field marked.
        await page.GetByRole(AriaRole.Link, new() { Name = "c-00013" }).ClickAsync();
        await DashboardBrowser.ReadyAsync(page);
        await Expect(page.Locator(".snapshots tr.failing td.field")).ToHaveTextAsync("phone");
        (await page.Locator(".snapshots thead").InnerTextAsync()).ShouldContain("Before");

        // Fix the cause, retry the group, and follow the child run to its end.
        server.Target.Fix();
        await page.GoBackAsync();
        await DashboardBrowser.ReadyAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry this group: CHECK_VIOLATION" }).ClickAsync();
        await DashboardBrowser.ArrivedAsync(page, $"(?!{Regex.Escape(rootPath)}$)/runs/[^/?]+");
        await DashboardBrowser.ReadyAsync(page);
        await Expect(page.Locator(".banner")).ToContainTextAsync("This is a retry of Run");
        await Expect(page.Locator("#summary-title + dl .badge").First).ToHaveTextAsync("Succeeded");

        // The root flipped to Succeeded, shows its chain, and Retry Failures says why it no longer applies.
        await DashboardBrowser.GoAsync(page, rootPath);
        await Expect(page.Locator("#summary-title + dl .badge").First).ToHaveTextAsync("Succeeded");
        (await page.Locator(".tree").InnerTextAsync()).ShouldContain("Retry");
        await Expect(page.Locator("#retry-failures")).ToBeDisabledAsync();
        await Expect(page.Locator("#retry-reason")).ToContainTextAsync("Resolved already");
        server.Target.Written.Select(record => record.Key).ShouldContain("c-00013");
    }
}
