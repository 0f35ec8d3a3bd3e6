using System.Net;
using Microsoft.Data.Sqlite;

namespace Resync.Cli.Tests;

/// <summary>
/// <c>resync serve</c> stopped by a real SIGTERM while a slow HTTP target (on loopback) is being written: the runs finish
/// their batches under way, park the rest, answer the synchronous client, and the process exits 0; the next start writes
/// what was parked, so every pushed record reaches the target exactly once.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes the CLI folder through IAsyncLifetime.DisposeAsync.")]
public sealed class ServeShutdownTests : IAsyncLifetime
{
    private readonly CliProcess _cli = new();
    private SlowHttpTarget _target = null!;

    public async Task InitializeAsync()
    {
        _target = await SlowHttpTarget.StartAsync(TimeSpan.FromMilliseconds(40), writingAfter: 10);
        Directory.CreateDirectory(Path.Combine(_cli.Folder, "links"));
        _cli.Write(Path.Combine("links", "contacts.yaml"), $$"""
            name: contacts
            tenant: acme
            source: { type: push, keyField: id }
            target: { type: http, url: "{{_target.Url}}/contacts/{id}", method: PUT }
            trigger: { push: true }
            settings: { batchSize: 5, parallelism: 2 }
            """);
    }

    [Fact]
    public async Task Serve_SigtermDuringASlowSyncPush_AnswersTheClientAndWritesEveryRecordOnceAfterRestart()
    {
        var records = PushTarget.Records("sync", 200);
        await using var serve = await ServeProcess.StartAsync(_cli, "--shutdown-timeout", "60");
        var push = serve.PushAsync("contacts", records, "sync");
        await _target.Writing.WaitAsync(TimeSpan.FromMinutes(2));

        await serve.SignalAsync("TERM");

        var (status, answer) = await push;
        status.ShouldBe(HttpStatusCode.OK, answer?.ToJsonString());
        var outcomes = answer!["records"]!.AsArray().Select(r => r!["outcome"]!.GetValue<string>()).ToList();
        outcomes.Count.ShouldBe(200);
        outcomes.ShouldAllBe(outcome => outcome == "Succeeded" || outcome == "Incomplete");
        outcomes.Count(o => o == "Incomplete").ShouldBeGreaterThan(0, "the stop came while records were still to be written");
        // What the answer says succeeded is what the target has, once each.
        outcomes.Count(o => o == "Succeeded").ShouldBe(_target.Written.Count);
        var (exit, error) = await serve.WaitForExitAsync();
        exit.ShouldBe(0, error);

        await AfterRestartEveryRecordIsWrittenOnceAsync(records);
    }

    [Fact]
    public async Task Serve_SigtermDuringAnAsyncPush_ParksTheRestAndWritesEveryRecordOnceAfterRestart()
    {
        var records = PushTarget.Records("async", 200);
        await using var serve = await ServeProcess.StartAsync(_cli, "--shutdown-timeout", "60");
        var (status, _) = await serve.PushAsync("contacts", records, "async");
        status.ShouldBe(HttpStatusCode.Accepted);
        await _target.Writing.WaitAsync(TimeSpan.FromMinutes(2));

        await serve.SignalAsync("TERM");

        var (exit, error) = await serve.WaitForExitAsync();
        exit.ShouldBe(0, error);
        _target.Written.Count.ShouldBeLessThan(200, "the stop came while records were still to be written");

        await AfterRestartEveryRecordIsWrittenOnceAsync(records);
    }

    private async Task AfterRestartEveryRecordIsWrittenOnceAsync(JsonArray records)
    {
        await using var again = await ServeProcess.StartAsync(_cli);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (_target.Written.Count < records.Count || (await again.GetAsync("/api/v1/incomplete-runs?linkId=contacts"))["items"]!.AsArray().Count > 0)
            await Task.Delay(100, timeout.Token);
        _target.Written.Keys.Order().ShouldBe(records.Select(r => $"/contacts/{r!["id"]}").Order());
        _target.Written.Where(pair => pair.Value != 1).Select(pair => pair.Key).ShouldBeEmpty();
    }

    public async Task DisposeAsync()
    {
        await _target.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }
}
