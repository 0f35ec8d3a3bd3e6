namespace Resync.Server.Tests.Observability;

/// <summary>
/// A link file's <c>logging</c> section: its sinks receive the events of the link's tenant only, through the server's network
/// policy and within the tenant's data folder; a sink that is down loses what its buffer cannot hold, counted.
/// </summary>
public sealed class LinkLogSinkTests
{
    private const string Globex = """
        name: globex-contacts
        source: { type: demo, records: 20 }
        target: { type: collect }
        """;

    [Fact]
    public async Task TenantIntake_ReceivesItsTenantsEventsOnly_WithItsHeaders()
    {
        await using var receiver = await IntakeReceiver.StartAsync();
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "acme-contacts", $$"""
            name: acme-contacts
            source: { type: demo, records: 20 }
            target: { type: collect }
            logging:
              http: { url: "{{receiver.Url}}", apiKey: acme-intake-key, service: acme-sync }
            """);
        await server.PutLinkAsync(server.GlobexKey, "globex-contacts", Globex);

        await server.RunToEndAsync(server.GlobexKey, "globex-contacts");
        await server.RunToEndAsync(server.AcmeKey, "acme-contacts");
        await ServerHarness.EventuallyAsync(() => Task.FromResult(receiver.Events.Any(e => e["evt.name"]?.GetValue<string>() == "RunFinished")),
            "acme's RunFinished at its intake");

        receiver.Events.ShouldAllBe(e => e["resync"]!["Tenant"]!.GetValue<string>() == "acme" && e["service"]!.GetValue<string>() == "acme-sync");
        receiver.Events.Select(e => e["evt.name"]!.GetValue<string>()).ShouldContain("RunStarted");
        receiver.LastApiKey.ShouldBe("acme-intake-key");
    }

    [Fact]
    public async Task TenantFile_InItsDataFolder_HoldsItsTenantsEventsOnly()
    {
        await using var server = await ServerHarness.StartAsync();
        var path = Path.Combine(server.TenantFolder("acme"), "logs", "events.jsonl");
        await server.PutLinkAsync(server.AcmeKey, "acme-contacts", """
            name: acme-contacts
            source: { type: demo, records: 20 }
            target: { type: collect }
            logging:
              file: { path: logs/events.jsonl, level: information }
            """);
        await server.PutLinkAsync(server.GlobexKey, "globex-contacts", Globex);
        await server.RunToEndAsync(server.GlobexKey, "globex-contacts");
        await server.RunToEndAsync(server.AcmeKey, "acme-contacts");
        // The run's last event: once it is in the file, every event of both runs has been handed to the sinks.
        await ServerHarness.EventuallyAsync(() => Task.FromResult(File.Exists(path) && File.ReadAllText(path).Contains("RunFinished", StringComparison.Ordinal)),
            "acme's RunFinished in its file");

        var events = File.ReadAllLines(path).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
        events.Select(e => e["EventName"]!.GetValue<string>()).ShouldContain("RunStarted");
        events.ShouldAllBe(e => e["State"]!["Tenant"]!.GetValue<string>() == "acme" && e["State"]!["LinkId"]!.GetValue<string>() == "acme-contacts");
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/logs", "127.0.0.1")]
    [InlineData("http://localhost:9/logs", "localhost")]
    [InlineData("http://[::1]:9/logs", "[::1]")]
    [InlineData("http://10.0.0.5/logs", "10.0.0.5")]
    [InlineData("http://169.254.169.254/latest/meta-data", "169.254.169.254")]
    public async Task TenantIntake_AtAnAddressThePolicyRefuses_IsRefusedAtItsLine(string url, string host)
    {
        await using var server = await ServerHarness.StartAsync(configure: options => options.AllowLoopback = false);

        var problem = await RefusalAsync(server, $$"""
              http: { url: "{{url}}" }
            """);
        (problem["line"]!.GetValue<int>(), problem["column"]!.GetValue<int>()).ShouldBe((5, 16));
        var message = problem["message"]!.GetValue<string>();
        message.ShouldContain("logging.http.url");
        message.ShouldContain($"'{host}' is an address this server does not connect to");
    }

    [Theory]
    [InlineData("../globex/events.jsonl", "'..'")]
    [InlineData("/tmp/events.jsonl", "absolute path")]
    public async Task TenantFile_OutsideItsDataFolder_IsRefusedAtItsLine_AndNoFileIsMade(string path, string rule)
    {
        await using var server = await ServerHarness.StartAsync();

        var problem = await RefusalAsync(server, $$"""
              file:
                path: "{{path}}"
            """);
        problem["line"]!.GetValue<int>().ShouldBe(6);
        var message = problem["message"]!.GetValue<string>();
        message.ShouldContain("logging.file.path");
        message.ShouldContain(rule);
        Directory.Exists(server.TenantFolder("globex")).ShouldBeFalse();
    }

    [Fact]
    public async Task TenantIntakeDown_DropsBeyondItsBuffer_AreCountedByTenantInMetrics_AndInHealthWithoutTheTenant()
    {
        await using var receiver = await IntakeReceiver.StartAsync();
        receiver.Down = true;
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "noisy", $$"""
            name: noisy
            source: { type: demo, records: 30, failingPage: 2 }
            target: { type: collect }
            settings: { batchSize: 10, parallelism: 1, retry: { attempts: 1 } }
            logging:
              http: { url: "{{receiver.Url}}", bufferSize: 1 }
            """);
        await server.RunToEndAsync(server.AcmeKey, "noisy");

        using var client = server.Client(server.OperatorKey);
        var health = await ServerHarness.JsonAsync(await client.GetAsync("/health/ready"));
        health["status"]!.GetValue<string>().ShouldBe("Degraded");
        var sinks = health["checks"]!["log-sinks"]!;
        sinks["data"]!["tenants.intake.dropped"]!.GetValue<long>().ShouldBeGreaterThan(0);
        sinks.ToJsonString().ShouldNotContain("acme");
        var metrics = PrometheusText.Parse(await (await client.GetAsync("/metrics")).Content.ReadAsStringAsync());
        metrics.Sum("resync_log_events_dropped_total", ("sink", "intake"), ("tenant", "acme")).ShouldBeGreaterThan(0);
        receiver.Down = false; // the server's stop flushes at once
    }

    /// <summary>Saves a link of acme's with the given <c>logging</c> section (lines 5 on) and returns the one problem of the refusal.</summary>
    private static async Task<JsonNode> RefusalAsync(ServerHarness server, string logging)
    {
        using var acme = server.Client(server.AcmeKey);
        using var response = await acme.PutAsync("/api/v1/links/sneaky", new StringContent(
            "name: sneaky\nsource: { type: demo, records: 1 }\ntarget: { type: collect }\nlogging:\n" + logging, Encoding.UTF8, "application/yaml"));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        var problem = JsonNode.Parse(text)!;
        problem["code"]!.GetValue<string>().ShouldBe("invalid-link");
        return problem["problems"]!.AsArray().ShouldHaveSingleItem()!;
    }
}
