using Resync.Server.Tests.Alerts;

namespace Resync.Server.Tests.Observability;

/// <summary>The JSON-lines file sink (<c>Logging:File:Path</c>), read back line by line after a run with every kind of event.</summary>
[Collection(ObservedRun.Collection)]
public sealed class JsonFileLogSinkTests
{
    [Fact]
    public async Task RunWithRecordErrorsBatchErrorAndAlert_EveryLineParses_AndEachEventIsThereWithItsFields()
    {
        using var logs = new TempDirectory("resync-logs");
        var (path, runId) = await RunLoggedToFileAsync(logs, untilTheAlertIsLogged: true);

        var lines = File.ReadAllLines(path);
        var events = lines.Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
        events.ShouldAllBe(e => e.ContainsKey("Timestamp") && e.ContainsKey("EventId") && e.ContainsKey("LogLevel") && e.ContainsKey("Category")
            && e.ContainsKey("Message") && e.ContainsKey("State"));
        var run = events.Where(e => e["State"]!["RunId"]?.GetValue<long>() == runId).ToList();
        JsonObject Single(string name) => run.Where(e => e["EventName"]?.GetValue<string>() == name).ShouldHaveSingleItem();

        var started = Single("RunStarted");
        (started["EventId"]!.GetValue<int>(), State(started, "LinkId"), State(started, "Tenant"), State(started, "Kind"), State(started, "RequestId"))
            .ShouldBe((1001, ObservedRun.LinkId, "acme", "Manual", ObservedRun.RequestId));
        // Batch 1: the two refused records; batch 3: its ten records, which the refused credentials failed.
        var failed = run.Where(e => e["EventName"]?.GetValue<string>() == "RecordFailed").ToList();
        failed.Select(e => (e["State"]!["BatchNumber"]!.GetValue<int>(), e["State"]!["Position"]!.GetValue<int>())).Order()
            .ShouldBe([(1, 1), (1, 2), .. Enumerable.Range(0, 10).Select(position => (3, position))]);
        failed.ShouldAllBe(e => State(e, "RequestId") == ObservedRun.RequestId && e["State"]!["RecordKey"] == null && e["State"]!["ErrorMessage"] == null);
        failed.Where(e => e["State"]!["BatchNumber"]!.GetValue<int>() == 1)
            .ShouldAllBe(e => State(e, "ErrorType") == "Data" && State(e, "ErrorCode") == "REQUIRED" && State(e, "Fields") == "email");
        run.Where(e => e["EventName"]?.GetValue<string>() == "BatchFailed")
            .Select(e => (e["State"]!["BatchNumber"]!.GetValue<int>(), State(e, "ErrorScope"), State(e, "ErrorCode"), State(e, "Step"))).Order()
            .ShouldBe([(2, "Batch", "INVALID_JSON", "source"), (3, "System", "HTTP_401", "target")]);
        State(Single("RunSystemError"), "ErrorType").ShouldBe("InvalidAccessToken");
        var finished = Single("RunFinished");
        (State(finished, "Status"), finished["LogLevel"]!.GetValue<string>(), finished["State"]!["Failed"]!.GetValue<long>()).ShouldBe(("Failed", "Error", 12L));
        var queued = Single("AlertQueued");
        (State(queued, "AlertKind"), State(queued, "RequestId"), queued["State"]!["Routes"]!.GetValue<int>()).ShouldBe(("run-failed", ObservedRun.RequestId, 1));
        events.ShouldContain(e => e["EventName"] != null && e["EventName"]!.GetValue<string>() == "AlertDelivered" && State(e, "AlertKind") == "run-failed");

        // No record value reaches the log: the demo contacts' e-mail addresses and keys are nowhere.
        lines.ShouldAllBe(line => !line.Contains("@example.com", StringComparison.Ordinal) && !line.Contains("c-0000", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LinkOptingIntoRecordValues_RecordFailedCarriesKeyAndMessage()
    {
        using var logs = new TempDirectory("resync-logs");
        var (path, _) = await RunLoggedToFileAsync(logs, logRecordValues: true);

        var failed = File.ReadAllLines(path).Select(line => JsonNode.Parse(line)!)
            .Where(e => e["EventName"]?.GetValue<string>() == "RecordFailed" && e["State"]!["BatchNumber"]!.GetValue<int>() == 1).ToList();
        failed.Select(e => State(e, "RecordKey")).Order().ShouldBe(["c-00002", "c-00003"]);
        failed.ShouldAllBe(e => State(e, "ErrorMessage") == "email 'contact2@example.com' is refused");
    }

    [Fact]
    public async Task FileOverItsSize_IsRotated_KeepingTheConfiguredNumberOfFiles()
    {
        using var logs = new TempDirectory("resync-logs");
        var (path, _) = await RunLoggedToFileAsync(logs, settings: [("Logging:File:MaxBytes", "2048"), ("Logging:File:MaxFiles", "2")]);

        File.Exists(path + ".1").ShouldBeTrue();
        File.Exists(path + ".2").ShouldBeTrue();
        File.Exists(path + ".3").ShouldBeFalse();
        foreach (var file in new[] { path, path + ".1", path + ".2" })
            File.ReadAllLines(file).ShouldAllBe(line => JsonNode.Parse(line) != null);
    }

    [Fact]
    public async Task FileSizeNotANumber_StopsTheServer_NamingTheSetting()
    {
        using var logs = new TempDirectory("resync-logs");
        var failure = await Should.ThrowAsync<InvalidOperationException>(() => ServerHarness.StartAsync(
            host: ObservedRun.With(("Logging:File:Path", logs.Combine("x.jsonl")), ("Logging:File:MaxBytes", "big"))));
        failure.Message.ShouldContain("Logging:File:MaxBytes");
        failure.Message.ShouldContain("'big'");
    }

    /// <summary>
    /// The observed run on a server logging to <c>resync.jsonl</c> in <paramref name="logs"/> (with these further settings),
    /// then the server stopped, which flushes the sink; the file's path and the run's id.
    /// </summary>
    private static async Task<(string Path, long RunId)> RunLoggedToFileAsync(TempDirectory logs, bool logRecordValues = false, bool untilTheAlertIsLogged = false,
        (string Key, string Value)[]? settings = null)
    {
        var path = logs.Combine("resync.jsonl");
        await using var receiver = await WebhookReceiver.StartAsync();
        var server = await ServerHarness.StartAsync(host: ObservedRun.With([("Logging:File:Path", path), .. settings ?? []]));
        try
        {
            var runId = await ObservedRun.RunAsync(server, receiver, logRecordValues);
            if (untilTheAlertIsLogged)
                await ServerHarness.EventuallyAsync(() => Task.FromResult(File.Exists(path) && File.ReadAllText(path).Contains("AlertDelivered", StringComparison.Ordinal)),
                    "the alert's delivery in the file");
            return (path, runId);
        }
        finally
        {
            await server.DisposeAsync(); // flushes the sink
        }
    }

    private static string? State(JsonNode e, string field) => e["State"]![field]?.GetValue<string>();
}
