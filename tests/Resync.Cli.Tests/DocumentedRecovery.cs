namespace Resync.Cli.Tests;

/// <summary>
/// Recovery as docs/recovery.md tells a person to do it after a crash or a stop (retry what was parked until nothing is open,
/// then run the link again), and the checks every run must pass after it.
/// </summary>
internal static class DocumentedRecovery
{
    /// <summary>Retries the incomplete runs until none is open, then runs <paramref name="link"/> once more (which must succeed).</summary>
    public static async Task RecoverAsync(CliProcess cli, string link, string db)
    {
        await ResumeAllAsync(cli, db);
        var again = await cli.RunAsync("run", link, "--db", db);
        again.ExitCode.ShouldBe(0, again.Error);
    }

    /// <summary>Retries the incomplete runs until none is open.</summary>
    public static async Task ResumeAllAsync(CliProcess cli, string db)
    {
        var open = await OpenIncompleteAsync(cli, db);
        for (var round = 0; round < 5 && open > 0; round++)
        {
            await cli.RunAsync("incomplete", "retry", "--all", "--db", db);
            open = await OpenIncompleteAsync(cli, db);
        }
        open.ShouldBe(0, "every remainder resumed");
    }

    /// <summary>Every run in <paramref name="db"/> has ended, with read = succeeded + failed + ignored + incomplete; returns them.</summary>
    public static async Task<JsonArray> RunsBalancedAsync(CliProcess cli, string db)
    {
        var (exit, text, stderr) = await cli.RunAsync("runs", "--json", "--limit", "1000", "--db", db);
        exit.ShouldBe(0, stderr);
        var runs = JsonNode.Parse(text)!["items"]!.AsArray();
        foreach (var run in runs)
        {
            run!["status"]!.GetValue<string>().ShouldNotBe("Running");
            var counts = run["counts"]!;
            long Count(string name) => counts[name]!.GetValue<long>();
            Count("read").ShouldBe(Count("succeeded") + Count("failed") + Count("ignored") + Count("incomplete"), $"run {run["id"]}: read = succeeded + failed + ignored + incomplete");
        }
        return runs;
    }

    public static async Task<int> OpenIncompleteAsync(CliProcess cli, string db)
    {
        var (exit, output, error) = await cli.RunAsync("incomplete", "list", "--json", "--db", db);
        exit.ShouldBe(0, error);
        return JsonNode.Parse(output)!["items"]!.AsArray().Count;
    }

    /// <summary>The watermark of link <paramref name="linkId"/>.</summary>
    public static async Task<string?> WatermarkAsync(CliProcess cli, string db, string linkId)
    {
        var (exit, output, error) = await cli.RunAsync("links", "--json", "--db", db);
        exit.ShouldBe(0, error);
        return JsonNode.Parse(output)!["links"]!.AsArray().Single(l => l!["id"]!.GetValue<string>() == linkId)!["watermark"]?.GetValue<string>();
    }
}
