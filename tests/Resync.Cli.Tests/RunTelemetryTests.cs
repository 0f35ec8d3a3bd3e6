using Resync.Testing.Otlp;

namespace Resync.Cli.Tests;

/// <summary><c>resync run</c> exports like the server, from the same settings: JSON lines to a file and spans and events over OTLP.</summary>
public sealed class RunTelemetryTests : IDisposable
{
    private readonly CliProcess _cli = new();

    [Fact]
    public async Task Run_WithFileAndOtlpSettings_WritesItsEventsAndExportsItsSpans()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var log = Path.Combine(_cli.Folder, "logs", "events.jsonl");
        _cli.Environment["Logging__File__Path"] = log;
        _cli.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Url;
        _cli.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        var file = _cli.Write("contacts.yaml", """
            name: exported
            source: { type: demo, records: 30, failingPage: 2 }
            target: { type: demo, path: target.db }
            settings: { batchSize: 10 }
            """);

        var (exit, output, error) = await _cli.RunAsync("run", file, "--db", _cli.StateFile, "--json");
        exit.ShouldBe(1, error); // completed with errors (page 2)

        var runId = JsonNode.Parse(output)!["id"]!.GetValue<long>();
        var events = File.ReadAllLines(log).Select(line => JsonNode.Parse(line)!).Where(e => e["EventName"] is not null).ToList();
        events.ShouldContain(e => e["EventName"]!.GetValue<string>() == "RunFinished" && e["State"]!["RunId"]!.GetValue<long>() == runId
            && e["State"]!["Status"]!.GetValue<string>() == "CompletedWithErrors");
        events.ShouldContain(e => e["EventName"]!.GetValue<string>() == "BatchFailed" && e["State"]!["BatchNumber"]!.GetValue<int>() == 2);
        // The process flushed its exports before it exited.
        var run = receiver.Spans.Where(s => s.Name == "resync.run").ShouldHaveSingleItem();
        run.Attributes["resync.link"].ShouldBe("exported");
        receiver.Spans.Count(s => s.Name == "resync.batch" && s.ParentSpanId == run.SpanId).ShouldBe(3);
        receiver.Logs.ShouldContain(l => l.Attributes.GetValueOrDefault("RunId") == runId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Run_OfALinkWithItsOwnFileSink_WritesItsEventsBesideTheLinkFile()
    {
        var file = _cli.Write("contacts.yaml", """
            name: self-logged
            source: { type: demo, records: 20 }
            target: { type: demo, path: target.db }
            logging:
              file: { path: logs/self.jsonl }
            """);

        var (exit, output, error) = await _cli.RunAsync("run", file, "--db", _cli.StateFile, "--json");
        exit.ShouldBe(0, error);

        var runId = JsonNode.Parse(output)!["id"]!.GetValue<long>();
        var events = File.ReadAllLines(Path.Combine(Path.GetDirectoryName(file)!, "logs", "self.jsonl")).Select(line => JsonNode.Parse(line)!).ToList();
        events.ShouldContain(e => e["EventName"]!.GetValue<string>() == "RunFinished" && e["State"]!["RunId"]!.GetValue<long>() == runId);
    }

    public void Dispose() => _cli.Dispose();
}
