using Resync.Core.Errors;

namespace Resync.Server.Tests.Observability;

/// <summary><c>/metrics</c>: Prometheus text whose counters equal what the runs' summaries say.</summary>
public sealed class MetricsEndpointTests
{
    // The meter is process-wide: a link id no other test uses keeps these counts to this test's runs.
    private const string LinkId = "metered-7f3a";

    [Fact]
    public async Task AfterThreeRuns_MetricsParseAsPrometheusText_AndCountersEqualTheRunsCounts()
    {
        await using var server = await ServerHarness.StartAsync();
        server.Target.Refuse(record => record.Key is "c-00002" or "c-00013",
            new ErrorClassification(ErrorType.Data, Durability.Durable, ErrorCodes.Required, "email is refused", "Fix it.", ["email"]));
        await server.PutLinkAsync(server.AcmeKey, LinkId, $$"""
            name: {{LinkId}}
            source: { type: demo, records: 30, failingPage: 2 }
            target: { type: collect }
            settings: { batchSize: 10, parallelism: 1, retry: { attempts: 1 } }
            """);
        var runs = new List<System.Text.Json.Nodes.JsonNode>();
        using var client = server.Client(server.AcmeKey);
        for (var i = 0; i < 3; i++)
        {
            runs.Add(await server.RunToEndAsync(server.AcmeKey, LinkId));
            await ServerHarness.EventuallyAsync(async () =>
            {
                using var state = await client.GetAsync($"/api/v1/links/{LinkId}");
                return !(await ServerHarness.JsonAsync(state))["running"]!.GetValue<bool>();
            }, "the link to be free");
        }
        long Total(string count) => runs.Sum(run => run["counts"]![count]!.GetValue<long>());
        Total("read").ShouldBe(60);

        var link = ("link", LinkId);
        var samples = await ScrapeUntilAsync(server, scraped => scraped.Sum("resync_runs_total", link) == 3, "the third run in the metrics");

        samples.Sum("resync_runs_total", link, ("tenant", "acme"), ("kind", "Manual"), ("status", "CompletedWithErrors")).ShouldBe(3);
        samples.Sum("resync_records_read_total", link).ShouldBe(Total("read"));
        samples.Sum("resync_records_total", link, ("outcome", "succeeded")).ShouldBe(Total("succeeded"));
        samples.Sum("resync_records_total", link, ("outcome", "failed")).ShouldBe(Total("failed"));
        samples.Sum("resync_batches_total", link, ("status", "Failed")).ShouldBe(Total("batchesFailed"));
        samples.Sum("resync_batches_total", link).ShouldBe(Total("batchesTotal"));
        samples.Sum("resync_run_duration_seconds_count", link).ShouldBe(3);
        // Each page read is a source call (the failed one an IncompleteData error); each page taken is one target write.
        var source = ("connector", "source");
        samples.Sum("resync_connector_call_duration_seconds_count", link, source).ShouldBe(Total("batchesTotal"));
        samples.Sum("resync_connector_errors_total", link, source, ("error_type", "IncompleteData")).ShouldBe(Total("batchesFailed"));
        samples.Sum("resync_connector_call_duration_seconds_count", link, ("connector", "target"), ("outcome", "ok"))
            .ShouldBe(Total("batchesTotal") - Total("batchesFailed"));
        samples.Sum("resync_connector_errors_total", link, ("connector", "target")).ShouldBe(0);
        // Bounded labels: never a run id or a record key.
        samples.Where(s => s.Name.StartsWith("resync_", StringComparison.Ordinal)).SelectMany(s => s.Labels.Keys).Distinct()
            .ShouldBeSubsetOf(["link", "tenant", "kind", "status", "outcome", "sink", "connector", "error_type", "otel_scope_name", "otel_scope_version", "le"]);
    }

    [Fact]
    public async Task OpenIncompleteGauge_CountsTheStoresOpenIncompleteRuns_AndTargetErrorsByType()
    {
        const string linkId = "gauged-5c1e";
        await using var server = await ServerHarness.StartAsync();
        var incompleteId = await ServerHarness.CreateIncompleteRunAsync(server, server.AcmeKey, linkId);
        var link = ("link", linkId);

        var samples = await ScrapeUntilAsync(server, scraped => scraped.Sum("resync_incomplete_open", link) == 1, "the parked run in the gauge");
        samples.Sum("resync_incomplete_open", link, ("tenant", "acme")).ShouldBe(1);
        // The target was down for the second batch: one write failed with a Connection error.
        samples.Sum("resync_connector_errors_total", link, ("connector", "target"), ("error_type", "Connection")).ShouldBe(1);
        samples.Sum("resync_connector_call_duration_seconds_count", link, ("connector", "target"), ("outcome", "error")).ShouldBe(1);

        using var client = server.Client(server.AcmeKey);
        using (var discarded = await client.PostAsync($"/api/v1/incomplete-runs/{incompleteId}/discard",
            ServerHarness.Json("""{"reason":"not needed"}""")))
            discarded.StatusCode.ShouldBe(HttpStatusCode.OK);
        await ScrapeUntilAsync(server, scraped => scraped.Sum("resync_incomplete_open", link) == 0, "the discarded run out of the gauge");
    }

    [Fact]
    public async Task Metrics_WithoutKeyOrWithATenantsKey_AreRefused()
    {
        await using var server = await ServerHarness.StartAsync();
        using var anonymous = server.Client(null);
        (await anonymous.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var tenant = server.Client(server.AcmeKey);
        (await tenant.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    /// <summary>
    /// Scrapes with the operator's key until <paramref name="holds"/> holds of the samples (a scrape answers the counts the
    /// scrape before it asked the store for); the samples it held of.
    /// </summary>
    private static async Task<IReadOnlyList<PrometheusText.Sample>> ScrapeUntilAsync(ServerHarness server, Func<IReadOnlyList<PrometheusText.Sample>, bool> holds,
        string what)
    {
        IReadOnlyList<PrometheusText.Sample> samples = [];
        await ServerHarness.EventuallyAsync(async () =>
        {
            samples = PrometheusText.Parse(await ScrapeAsync(server, server.OperatorKey));
            return holds(samples);
        }, what);
        return samples;
    }

    private static async Task<string> ScrapeAsync(ServerHarness server, string key)
    {
        using var client = server.Client(key);
        using var response = await client.GetAsync("/metrics");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync();
    }
}
