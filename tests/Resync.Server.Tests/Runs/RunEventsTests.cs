using System.Net;
using System.Text.Json.Nodes;
using Resync.Testing;

namespace Resync.Server.Tests.Runs;

public sealed class RunEventsTests
{
    [Fact]
    public async Task Events_StreamProgressWhileTheRunGoes_ThenTheFinishedSummary()
    {
        await using var server = await ServerHarness.StartAsync();
        var writing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Target.BeforeWrite = async (batch, token) =>
        {
            if (batch.BatchNumber == 2)
            {
                writing.TrySetResult();
                await release.Task.WaitAsync(token); // the run is held "under way" until the stream is open
            }
        };
        await server.PutLinkAsync(server.AcmeKey, "watched", """
            name: watched
            source: { type: demo, records: 50, failingPage: 0 }
            target: { type: collect }
            settings: { batchSize: 10, parallelism: 1 }
            """);
        using var client = server.Client(server.AcmeKey);
        var runId = await Recovery.RecoveryApiTests.StartAsync(client, "/api/v1/links/watched/runs");
        await writing.Task.WaitAsync(Patience.Limit);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/runs/{runId}/events");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var (name, data) = await NextEventAsync(reader);
        name.ShouldBe("progress");
        data["read"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(10);
        data["read"]!.GetValue<long>().ShouldBeLessThan(50, "the run is still going");

        release.SetResult();
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
