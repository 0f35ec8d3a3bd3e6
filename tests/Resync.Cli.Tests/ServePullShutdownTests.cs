using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Resync.Testing.Http;

namespace Resync.Cli.Tests;

/// <summary>
/// <c>resync serve</c> stopped by real signals while a scheduled pull run (an HTTP source on loopback, paged, with a
/// watermark) writes to a slow HTTP target: once the process has exited, every record is in the target once or in the
/// open incomplete run; the next start resumes it, and the runs after it read nothing again (the watermark covers what
/// the resume read).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes the CLI folder through IAsyncLifetime.DisposeAsync.")]
public sealed class ServePullShutdownTests : IAsyncLifetime
{
    private const int Records = 240;
    private const int PageSize = 10;
    private readonly CliProcess _cli = new();
    private readonly ConcurrentDictionary<string, byte> _held = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _hold;
    private FakeApi _source = null!;
    private SlowHttpTarget _target = null!;

    public async Task InitializeAsync()
    {
        // Sorted by change time; `since` gives the records changed after it, `page` pages them.
        _source = await FakeApi.StartAsync((context, request) => ChangedContacts.AnswerAsync(context, request, Records, PageSize));
        _target = await SlowHttpTarget.StartAsync(TimeSpan.FromMilliseconds(30), writingAfter: 30, async path =>
        {
            // The target takes the record and then waits for the test (however busy the machine, the stop comes
            // mid-run); with _hold, until after the process has exited: a shutdown waiting for this batch is cut short.
            if (_hold)
            {
                _held.TryAdd(path, 0);
                _holding.TrySetResult();
            }
            await _release.Task;
        });
        Directory.CreateDirectory(Path.Combine(_cli.Folder, "links"));
        // The target's calls may take longer than any test (timeout): a CI run once sent the signals over 30 s after the hold
        // began, when the default timeout had already failed the held calls and the run had ended on its own.
        _cli.Write(Path.Combine("links", "pulled.yaml"), $$"""
            name: pulled
            tenant: acme
            source:
              type: http
              url: "{{_source.Url}}/contacts"
              keyField: id
              changedSince: since
              watermarkField: updated
              pagination: { style: page, pageParam: page, concurrency: 1 }
            target: { type: http, url: "{{_target.Url}}/contacts/{id}", method: PUT, timeout: 10m }
            trigger: { interval: 1s }
            settings: { batchSize: {{PageSize}}, parallelism: 2 }
            """);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Serve_SignalDuringAScheduledPull_AccountsEveryRecordAndTheResumeFinishesWithoutReadingTwice(string signal)
    {
        await using (var serve = await ServeProcess.StartAsync(_cli, "--shutdown-timeout", "60"))
        {
            await _target.Writing.WaitAsync(TimeSpan.FromMinutes(2));

            await serve.SignalAsync(signal);
            _release.SetResult();

            var (exit, output) = await serve.WaitForExitAsync();
            exit.ShouldBe(0, output);
        }
        _target.Written.Count.ShouldBeLessThan(Records, "the stop came while records were still to be written");
        await EveryRecordIsWrittenOrParkedAsync();

        await AfterRestartEveryRecordIsWrittenOnceAsync();
    }

    [Theory]
    [InlineData("second signal")]
    [InlineData("shutdown timeout")]
    public async Task Serve_ShutdownCutShortDuringAScheduledPull_TheNextStartWritesEveryRecord(string cut)
    {
        _hold = true;
        await using (var serve = await ServeProcess.StartAsync(_cli, "--shutdown-timeout", cut == "shutdown timeout" ? "1" : "60"))
        {
            await _holding.Task.WaitAsync(TimeSpan.FromMinutes(2));

            await serve.SignalAsync("TERM");
            if (cut == "second signal")
                await serve.SignalAsync("INT");

            var (exit, output) = await serve.WaitForExitAsync();
            exit.ShouldBe(cut == "second signal" ? 130 : 0, output);
        }
        _hold = false;
        _release.SetResult();

        // The run was cut while the target was writing: the next start finds it, parks its remainder and resumes it at once.
        // The batches the target was writing are written again (the documented cost of a cut write); nothing else is.
        var cutPages = _held.Keys.Select(path => int.Parse(path[^4..], CultureInfo.InvariantCulture) / PageSize).ToHashSet();
        await AfterRestartEveryRecordIsWrittenOnceAsync(writtenAgain: Enumerable.Range(0, Records).Where(i => cutPages.Contains(i / PageSize)).Select(i => $"/contacts/{Key(i)}"));
    }

    /// <summary>With the server stopped: each record is in the target once, or in the open incomplete run (kept, or on a page after its resume point).</summary>
    private async Task EveryRecordIsWrittenOrParkedAsync()
    {
        _target.Written.Values.ShouldAllBe(n => n == 1);
        var (exit, output, error) = await _cli.RunAsync("incomplete", "list", "--json", "--db", _cli.StateFile);
        exit.ShouldBe(0, error);
        var open = JsonNode.Parse(output)!["items"]!.AsArray();
        open.Count.ShouldBe(1, output);
        var parked = open[0]!;
        parked["status"]!.GetValue<string>().ShouldBe("Scheduled", output);
        var kept = new HashSet<string>(StringComparer.Ordinal);
        (exit, output, error) = await _cli.RunAsync("incomplete", "show", parked["id"]!.ToString(), "--json", "--limit", "1000", "--db", _cli.StateFile);
        exit.ShouldBe(0, error);
        foreach (var record in JsonNode.Parse(output)!["records"]!["items"]!.AsArray())
            kept.Add(record!["key"]!.GetValue<string>());
        // The pages after the resume point were never read: the resume reads them. (The cursor is not in the JSON document,
        // which the API gives tenants too: the console display shows it to the operator.)
        parked["hasUnreadPages"]!.GetValue<bool>().ShouldBeTrue(output);
        _cli.Environment["COLUMNS"] = "1000";
        (exit, output, error) = await _cli.RunAsync("incomplete", "show", parked["id"]!.ToString(), "--limit", "1", "--db", _cli.StateFile);
        _cli.Environment.Remove("COLUMNS");
        exit.ShouldBe(0, error);
        var resume = System.Text.RegularExpressions.Regex.Match(output, @"unread pages after cursor (\S+)").Groups[1].Value;
        resume.ShouldNotBeEmpty(output);
        var lastTaken = int.Parse(HttpQuery(resume, "page"), CultureInfo.InvariantCulture);
        for (var i = 0; i < Records; i++)
        {
            var key = Key(i);
            var accounted = (_target.Written.ContainsKey($"/contacts/{key}") ? 1 : 0) + (kept.Contains(key) ? 1 : 0) + (i / PageSize + 1 > lastTaken ? 1 : 0);
            accounted.ShouldBe(1, $"{key}: written {_target.Written.ContainsKey($"/contacts/{key}")}, kept {kept.Contains(key)}, resume after page {lastTaken}");
        }
    }

    private async Task AfterRestartEveryRecordIsWrittenOnceAsync(IEnumerable<string>? writtenAgain = null)
    {
        await using var again = await ServeProcess.StartAsync(_cli);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (_target.Written.Count < Records || (await again.GetAsync("/api/v1/incomplete-runs?linkId=pulled"))["items"]!.AsArray().Count > 0)
            await Task.Delay(100, timeout.Token);
        // The chain resolved: the watermark is the highest change the root and its resume read, not the root's alone.
        (await again.GetAsync("/api/v1/links/pulled"))["watermark"]!.GetValue<string>().ShouldBe(Changed(Records - 1));
        // Two scheduled runs after that read from the watermark: nothing is written again.
        var resolvedAt = Newest(await again.GetAsync("/api/v1/runs?linkId=pulled&limit=1"));
        while (Newest(await again.GetAsync("/api/v1/runs?linkId=pulled&status=Succeeded&limit=1")) < resolvedAt + 2)
            await Task.Delay(100, timeout.Token);
        _target.Written.Keys.Order().ShouldBe(Enumerable.Range(0, Records).Select(i => $"/contacts/{Key(i)}").Order());
        _target.Written.Where(pair => pair.Value != 1).Select(pair => pair.Key).Except(writtenAgain ?? []).ShouldBeEmpty();
    }

    private static long Newest(JsonNode page) => page["items"]!.AsArray() is [{ } newest, ..] ? newest["id"]!.GetValue<long>() : 0;

    private static string HttpQuery(string url, string name) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(url).Query)[name].ToString();

    private static string Key(int i) => ChangedContacts.Key(i);

    private static string Changed(int i) => ChangedContacts.Changed(i);

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        await _target.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _cli.Dispose();
    }
}
