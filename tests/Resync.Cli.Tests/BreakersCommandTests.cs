using System.Net;

namespace Resync.Cli.Tests;

/// <summary><c>resync breakers</c> against a real <c>resync serve</c> whose two links call one dead server.</summary>
public sealed class BreakersCommandTests : IDisposable
{
    private readonly CliProcess _cli = new();

    [Fact]
    public async Task Breakers_AfterTwoLinksFailedOnOneDeadServer_ShowItsBreakerOpen_AsJsonAndAsATable()
    {
        var dead = LoopbackPort.Free(); // nothing listens there: connections are refused
        Directory.CreateDirectory(Path.Combine(_cli.Folder, "links"));
        foreach (var id in new[] { "contacts", "orders" })
        {
            _cli.Write(Path.Combine("links", $"{id}.yaml"), $$"""
                name: {{id}}
                source: { type: http, url: "http://127.0.0.1:{{dead}}/{{id}}" }
                target: { type: jsonl, path: "{{id}}.jsonl" }
                settings: { retry: { attempts: 1 } }
                """);
        }
        _cli.Environment["RESYNC__BREAKERMINIMUMCALLS"] = "2";
        await using var serve = await ServeProcess.StartAsync(_cli);
        foreach (var id in new[] { "contacts", "orders" })
            await RunToEndAsync(serve, id);
        _cli.Environment["RESYNC_API_KEY"] = serve.Client.DefaultRequestHeaders.Authorization!.Parameter!;

        var (exit, output, error) = await _cli.RunAsync("breakers", "--server", serve.Url, "--json");

        exit.ShouldBe(0, error);
        var breaker = JsonNode.Parse(output)!["items"]!.AsArray().ShouldHaveSingleItem()!;
        breaker["connection"]!.GetValue<string>().ShouldBe($"http://127.0.0.1:{dead}");
        breaker["state"]!.GetValue<string>().ShouldBe("open");
        var (tableExit, table, _) = await _cli.RunAsync("breakers", "--server", serve.Url);
        tableExit.ShouldBe(0);
        table.ShouldContain($"http://127.0.0.1:{dead}");
        table.ShouldContain("open");
    }

    [Fact]
    public async Task Breakers_WithoutAKey_FailsWithUsage_NamingTheVariable()
    {
        var (exit, output, error) = await _cli.RunAsync("breakers", "--server", "http://127.0.0.1:9", "--json");

        exit.ShouldBe(64);
        (output + error).ShouldContain("RESYNC_API_KEY");
    }

    private static async Task RunToEndAsync(ServeProcess serve, string linkId)
    {
        // The links folder is loaded at start; a run is started once the link is there.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        long runId;
        while (true)
        {
            using var started = await serve.Client.PostAsync($"/api/v1/links/{linkId}/runs", null, timeout.Token);
            if (started.StatusCode == HttpStatusCode.Accepted)
            {
                runId = JsonNode.Parse(await started.Content.ReadAsStringAsync(timeout.Token))!["runId"]!.GetValue<long>();
                break;
            }
            if (timeout.IsCancellationRequested || started.StatusCode != HttpStatusCode.NotFound)
                throw new InvalidOperationException($"POST run of {linkId}: {(int)started.StatusCode} {await started.Content.ReadAsStringAsync(CancellationToken.None)}");
            await Task.Delay(50, CancellationToken.None);
        }
        while ((await serve.GetAsync($"/api/v1/links/{linkId}"))["running"]!.GetValue<bool>()
            || (await serve.GetAsync($"/api/v1/runs/{runId}"))["status"]!.GetValue<string>() == "Running")
        {
            if (timeout.IsCancellationRequested)
                throw new TimeoutException($"{await serve.GetAsync($"/api/v1/links/{linkId}")} {await serve.GetAsync($"/api/v1/runs/{runId}")}");
            await Task.Delay(50, CancellationToken.None);
        }
    }

    public void Dispose() => _cli.Dispose();
}
