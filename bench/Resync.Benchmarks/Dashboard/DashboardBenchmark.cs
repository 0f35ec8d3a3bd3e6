using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Resync.Connectors;
using Resync.Core.Sdk;
using Resync.Server;

namespace Resync.Benchmarks.Dashboard;

/// <summary>
/// A run of many records with one in 50 failed (1,000,000 and 20,000 by default) on a real <c>resync serve</c> (SQLite
/// state file), then how long the run summary's API calls take and how long its pages take to load and page in the
/// machine's Chromium, as a person opening the run would wait.
/// </summary>
internal static class DashboardBenchmark
{
    private const string LinkId = "bench-dashboard";

    public static Task RunAsync(long records, int repeat) => BenchServer.InTempFolderAsync(folder => RunInAsync(folder, records, repeat));

    private static async Task RunInAsync(string folder, long records, int repeat)
    {
        // No rate limit: the measurements and the browser use one key, more often than a person would.
        var options = new ServerOptions { Urls = "http://127.0.0.1:0", DatabasePath = Path.Combine(folder, "state.db"), RateLimit = null };
        var catalog = BuiltInConnectors.CreateCatalog(options.NetworkPolicy())
            .AddTarget("refusing", "Refuses one record in 50.", new ConfigSchema(), (_, _) => new RefusingTarget());
        await using var app = await ResyncServer.BuildAsync(options, catalog: catalog, configure: builder => builder.Logging.ClearProviders());
        var (url, key) = await BenchServer.StartAsync(app);
        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var made = Stopwatch.StartNew();
        var runId = await MakeRunAsync(client, records);
        var run = await GetAsync(client, $"/api/v1/runs/{runId}");
        var failed = run["counts"]!["failed"]!.GetValue<long>();
        var batches = run["counts"]!["batchesTotal"]!.GetValue<long>();
        Console.WriteLine($"Run {runId}: {run["counts"]!["read"]!.GetValue<long>():N0} records read, {failed:N0} failed, {batches:N0} batches, " +
            $"{run["status"]}, made in {made.Elapsed.TotalSeconds:F1} s; state file {new FileInfo(options.DatabasePath).Length / 1024 / 1024:N0} MB");

        Console.WriteLine();
        Console.WriteLine($"API calls of the run summary (median of {repeat}, after one call not counted)");
        Console.WriteLine($"{"call",-58} {"ms",8}");
        var lastRecords = Math.Max(0, (failed - 1) / 50 * 50);
        var lastBatches = Math.Max(0, (batches - 1) / 20 * 20);
        foreach (var (what, path) in new[]
        {
            ("run summary (counts, error groups, batch errors, history)", $"/api/v1/runs/{runId}"),
            ("error groups", $"/api/v1/runs/{runId}/error-groups"),
            ("batches, first page of 20", $"/api/v1/runs/{runId}/batches?offset=0&limit=20"),
            ($"batches, last page (offset {lastBatches:N0})", $"/api/v1/runs/{runId}/batches?offset={lastBatches}&limit=20"),
            ("failed records, first page of 50", $"/api/v1/runs/{runId}/records?outcome=failed&offset=0&limit=50"),
            ($"failed records, last page (offset {lastRecords:N0})", $"/api/v1/runs/{runId}/records?outcome=failed&offset={lastRecords}&limit=50"),
            ("one failed record", $"/api/v1/runs/{runId}/records/{batches / 2}/0"),
            ("runs list, first page of 50", "/api/v1/runs?limit=50"),
            ("runs list, filtered by link and status", $"/api/v1/runs?linkId={LinkId}&status=CompletedWithErrors&limit=50"),
        })
        {
            await GetAsync(client, path);
            var ms = await Median(repeat, async () => { await GetAsync(client, path); });
            Console.WriteLine($"{what,-58} {ms,8:F1}");
            if (what.StartsWith("run summary", StringComparison.Ordinal))
                BenchSummary.Add("dashboard", $"run summary API call, {records:N0} records, {failed:N0} failed", $"{ms:F0} ms", "< 1000 ms", ms < 1000);
        }

        await BrowserAsync(url, key, runId, repeat);
        await app.StopAsync();
    }

    /// <summary>Runs the link once to its end; the target refuses one record in 50.</summary>
    private static async Task<long> MakeRunAsync(HttpClient client, long records)
    {
        using var yaml = new StringContent($$"""
            name: {{LinkId}}
            source: { type: demo, records: {{records}}, failingPage: 0 }
            target: { type: refusing }
            settings: { batchSize: 1000 }
            """, Encoding.UTF8, "application/yaml");
        using (var link = await client.PutAsync($"/api/v1/links/{LinkId}", yaml))
        {
            if (!link.IsSuccessStatusCode)
                throw new InvalidOperationException($"The link was refused: {await link.Content.ReadAsStringAsync()}");
        }
        using var started = await client.PostAsync($"/api/v1/links/{LinkId}/runs", null);
        var runId = (await JsonNode.ParseAsync(await started.Content.ReadAsStreamAsync()))!["runId"]!.GetValue<long>();
        while ((await GetAsync(client, $"/api/v1/runs/{runId}"))["status"]!.GetValue<string>() == "Running")
            await Task.Delay(500);
        return runId;
    }

    /// <summary>The pages in headless Chromium (the machine's): open the run summary, page its failed records, open the runs list.</summary>
    private static async Task BrowserAsync(string url, string key, long runId, int repeat)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var context = await browser.NewContextAsync(new() { BaseURL = url });
        context.SetDefaultTimeout(120_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/links");

        async Task OpenAsync(string path)
        {
            await page.GotoAsync(path);
            await page.Locator("main[data-ready=true]").WaitForAsync();
        }
        var summary = $"/runs/{runId}";
        await OpenAsync(summary);
        Console.WriteLine();
        Console.WriteLine($"Pages in Chromium, from navigation to the page filled from the API (median of {repeat}, after one load not counted)");
        Console.WriteLine($"{"page",-58} {"ms",8}");
        Console.WriteLine($"{"run summary (failed records shown, 50 a page)",-58} {await Median(repeat, () => OpenAsync(summary)),8:F1}");
        var next = await Median(repeat, async () =>
        {
            await OpenAsync(summary);
            var started = Stopwatch.GetTimestamp();
            await page.Locator("#records .pager button", new() { HasText = "Next" }).ClickAsync();
            await page.Locator("#records .pager span", new() { HasText = "51–100" }).WaitForAsync();
            return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        });
        Console.WriteLine($"{"run summary, next page of failed records (click to shown)",-58} {next,8:F1}");
        Console.WriteLine($"{"runs list",-58} {await Median(repeat, () => OpenAsync("/runs")),8:F1}");
        Console.WriteLine($"{"links",-58} {await Median(repeat, () => OpenAsync("/links")),8:F1}");
    }

    private static async Task<JsonNode> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }

    private static async Task<double> Median(int repeat, Func<Task> action) => await Median(repeat, async () =>
    {
        var started = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    });

    private static async Task<double> Median(int repeat, Func<Task<double>> measure)
    {
        var samples = new double[repeat];
        for (var i = 0; i < repeat; i++)
            samples[i] = await measure();
        Array.Sort(samples);
        return samples[repeat / 2];
    }
}
