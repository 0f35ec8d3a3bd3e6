namespace Resync.Dashboard.Tests;

/// <summary>A tenant's session sees and acts on its own tenant only, on every page and every direct URL.</summary>
public sealed class TenantIsolationTests(SeededDashboard dashboard) : IClassFixture<SeededDashboard>
{
    [Fact]
    public async Task LinksPage_OfATenant_ListsOnlyItsLinks()
    {
        var page = await dashboard.SignedInAsync(dashboard.Server.AcmeKey);

        var text = await DashboardBrowser.MainTextAsync(page);
        text.ShouldContain("acme-contacts");
        text.ShouldNotContain("globex");
    }

    [Fact]
    public async Task RunsPage_OfATenant_ListsOnlyItsRuns()
    {
        var page = await dashboard.SignedInAtAsync(dashboard.Server.AcmeKey, "/runs");

        var text = await DashboardBrowser.MainTextAsync(page);
        text.ShouldContain("acme-contacts");
        text.ShouldNotContain("globex");
        (await page.Locator("#filter-link option").AllInnerTextsAsync()).ShouldNotContain("globex-orders");
    }

    [Theory]
    [InlineData("/runs/{run}")]
    [InlineData("/runs/{run}/records/1/2")]
    [InlineData("/runs?linkId=globex-orders")]
    public async Task DirectUrl_ToAnotherTenantsObject_ShowsNothingOfIt(string path)
    {
        var page = await dashboard.SignedInAtAsync(dashboard.Server.AcmeKey, path.Replace("{run}", dashboard.GlobexRunId.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var text = await DashboardBrowser.MainTextAsync(page);
        text.ShouldNotContain("globex");
        text.ShouldNotContain("c-000");
        if (path.StartsWith("/runs/", StringComparison.Ordinal))
            (await page.Locator("h1").InnerTextAsync()).ShouldBe("Not found");
    }

    [Theory]
    [InlineData("/api/v1/runs/{run}/retry", null)]
    [InlineData("/api/v1/runs/{run}/error-groups/retry", """{"group":1}""")]
    [InlineData("/api/v1/links/globex-orders/runs", null)]
    [InlineData("/api/v1/links/globex-orders/deactivate", null)]
    public async Task Action_OnAnotherTenantsObject_ThroughTheSession_IsNotFound(string path, string? body)
    {
        var page = await dashboard.SignedInAsync(dashboard.Server.AcmeKey);
        var token = await page.Locator("meta[name=csrf-token]").GetAttributeAsync("content");

        var answer = await page.APIRequest.PostAsync(path.Replace("{run}", dashboard.GlobexRunId.ToString(System.Globalization.CultureInfo.InvariantCulture)), new()
        {
            Headers = new Dictionary<string, string> { ["X-CSRF-Token"] = token!, ["Content-Type"] = "application/json" },
            Data = body,
        });

        answer.Status.ShouldBe(404);
    }

    [Fact]
    public async Task Operator_SeesEveryTenant()
    {
        var page = await dashboard.SignedInAsync(dashboard.Server.OperatorKey);

        var text = await DashboardBrowser.MainTextAsync(page);
        text.ShouldContain("acme-contacts");
        text.ShouldContain("globex-orders");
        (await page.Locator(".who").InnerTextAsync()).ShouldContain("operator");
    }
}
