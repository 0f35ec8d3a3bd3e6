namespace Resync.Server.Tests.Runs;

public sealed class RunEventsTests
{
    [Fact]
    public async Task Events_StreamProgressWhileTheRunGoes_ThenTheFinishedSummary()
    {
        await using var server = await ServerHarness.StartAsync();
        // The run is held "under way" at its second batch until the stream is open.
        var secondBatch = HeldBatches.From(server.Target, fromBatch: 2);
        await server.PutLinkAsync(server.AcmeKey, "watched", ServerHarness.DemoLink("watched", records: 50));
        using var client = server.Client(server.AcmeKey);
        var runId = await Recovery.RecoveryApiTests.StartAsync(client, "watched");
        await secondBatch.Reached.WaitAsync(Patience.Limit);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/runs/{runId}/events");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var (name, data) = await NextEventAsync(reader);
        name.ShouldBe("progress");
        data["read"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(10);
        data["read"]!.GetValue<long>().ShouldBeLessThan(50, "the run is still going");

        secondBatch.Release();
        var events = new List<(string Name, JsonNode Data)>();
        do
            events.Add(await NextEventAsync(reader));
        while (events[^1].Name != "finished");
        events.Take(events.Count - 1).ShouldAllBe(e => e.Name == "progress");
        var finished = events[^1].Data;
        finished["id"]!.GetValue<long>().ShouldBe(runId);
        finished["status"]!.GetValue<string>().ShouldBe("Succeeded");
        finished["counts"]!["read"]!.GetValue<long>().ShouldBe(50);
        (await reader.ReadLineAsync()).ShouldBeNull("the stream ends after the finished event");
    }

    private static async Task<(string Name, JsonNode Data)> NextEventAsync(StreamReader reader)
    {
        string? name = null, data = null;
        using var timeout = new CancellationTokenSource(Patience.Limit);
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
                name = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
                data = line["data: ".Length..];
            else if (line.Length == 0 && name is not null)
                return (name, JsonNode.Parse(data!)!);
        }
        throw new InvalidOperationException("The event stream ended before the next event.");
    }
}
