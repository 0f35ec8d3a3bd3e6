namespace Resync.Cli.Tests;

/// <summary>Every command honours <c>--json</c>: one JSON document on stdout, or one <c>{"error": …}</c> line on stderr with the exit code.</summary>
public sealed class JsonOutputTests : IDisposable
{
    /// <summary>A link whose run stops at its first failed record, leaving an incomplete run.</summary>
    internal const string SequentialLink = """
        name: ordered
        source: { type: demo, records: 120, failingPage: 0 }
        target: { type: demo, path: ordered.db }
        settings: { batchSize: 20, sequentialProcessing: true }
        """;

    private readonly CliProcess _cli = new();

    [Fact]
    public async Task EveryCommand_WithJson_PrintsOneJsonDocument()
    {
        var link = _cli.Write("ordered.yaml", SequentialLink);
        await Json(2, "run", link);
        var demo = await Json(1, "demo");
        var demoId = demo["id"]!.ToString();
        var runs = await Json(0, "runs");
        await Json(1, "show", demoId, "--records", "failed");
        await Json(1, "retry", demoId);
        await Json(0, "incomplete", "list");
        var record = (await Json(0, "incomplete", "show", "1"))["records"]!["items"]!.AsArray().First(r => r!["outcome"]!.GetValue<string>() == "Failed")!;
        var edited = await Json(0, "incomplete", "edit", "1", "--batch", record["batch"]!.ToString(), "--position", record["position"]!.ToString(), "--set", "phone=+1 555 0053");
        await Json(2, "incomplete", "retry", "1");
        var open = (await Json(0, "incomplete", "list"))["items"]!.AsArray().Single()!["id"]!.ToString();
        var discarded = await Json(0, "incomplete", "discard", open);
        await Json(0, "links");
        var reference = await Json(0, "reference");
        var created = await Json(0, "keys", "create", "--operator", "--name", "admin");
        var prefix = created["details"]!["prefix"]!.GetValue<string>();
        var keys = await JsonArray(0, "keys", "list");
        var revoked = await Json(0, "keys", "revoke", prefix);
        var served = await _cli.ServeAsync(["--urls", "http://127.0.0.1:0"]);

        var listedDemo = runs["items"]!.AsArray().Single(r => r!["id"]!.ToString() == demoId)!;
        listedDemo["batchErrors"]!.AsArray().ShouldNotBeEmpty();
        listedDemo["errorGroups"]!.AsArray().Count.ShouldBe(3);
        edited["values"]!["phone"]!.GetValue<string>().ShouldBe("+1 555 0053");
        discarded["discarded"]!.AsArray().Single()!["incompleteRunId"]!.ToString().ShouldBe(open);
        reference["markdown"]!.GetValue<string>().ShouldContain("## Sources");
        created["key"]!.GetValue<string>().ShouldStartWith(prefix);
        keys.Single()!["prefix"]!.GetValue<string>().ShouldBe(prefix);
        revoked["revoked"]!.GetValue<string>().ShouldBe(prefix);
        served["listening"]!.AsArray().ShouldNotBeEmpty();
    }

    [Fact]
    public async Task EveryCommand_WithJson_ReportsItsErrorAsJsonOnStderr()
    {
        var typo = _cli.Write("typo.yaml", SequentialLink.Replace("batchSize", "batchSzie", StringComparison.Ordinal));
        var notADatabase = _cli.Write("notes.txt", string.Concat(Enumerable.Repeat("not a database\n", 200)));
        string[][] failing =
        [
            [],
            ["frobnicate"],
            ["keys"],
            ["run", typo],
            ["run", "missing.yaml"],
            ["demo", "--db", notADatabase],
            ["runs", "--status", "Sleeping"],
            ["runs", "--limit", "0"],
            ["show", "99"],
            ["show", "abc"],
            ["retry", "99"],
            ["incomplete", "list", "--db", notADatabase],
            ["incomplete", "show", "9"],
            ["incomplete", "retry"],
            ["incomplete", "edit", "9", "--batch", "1", "--position", "1", "--set", "a=b"],
            ["incomplete", "discard", "9"],
            ["links", "--db", notADatabase],
            ["reference", "--update", "missing.md"],
            ["keys", "create"],
            ["keys", "list", "--db", notADatabase],
            ["keys", "revoke", "rsk_00000000"],
            ["serve", "--links", "./nowhere"],
        ];

        foreach (var args in failing)
        {
            var (exit, output, error) = await _cli.RunAsync([.. args, "--json"]);

            var what = $"resync {string.Join(' ', args)} --json → exit {exit}, stdout: {output}, stderr: {error}";
            exit.ShouldBeOneOf([64, 2], what);
            output.ShouldBeEmpty(what);
            var document = JsonNode.Parse(error.Trim().Split('\n').ShouldHaveSingleItem(what))!["error"]!;
            document["exitCode"]!.GetValue<int>().ShouldBe(exit, what);
            document["message"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace(what);
        }
    }

    [Fact]
    public async Task LinkFileProblems_WithJson_AreListedOneByOne()
    {
        var typo = _cli.Write("typo.yaml", SequentialLink.Replace("batchSize", "batchSzie", StringComparison.Ordinal));

        var error = await _cli.RunFailingAsync(64, "run", typo, "--json", "--db", _cli.StateFile);

        var problem = JsonNode.Parse(error)!["error"]!["problems"]!.AsArray().Single()!.GetValue<string>();
        problem.ShouldStartWith($"{typo}:4:13: unknown key 'batchSzie' in link.settings — did you mean 'batchSize'?");
    }

    private Task<JsonObject> Json(int exit, params string[] args) => _cli.RunJsonAsync(exit, [.. args, "--db", _cli.StateFile]);

    private async Task<JsonArray> JsonArray(int exit, params string[] args)
    {
        var (code, output, error) = await _cli.RunAsync([.. args, "--json", "--db", _cli.StateFile]);
        code.ShouldBe(exit, error);
        return JsonNode.Parse(output)!.AsArray();
    }

    public void Dispose() => _cli.Dispose();
}
