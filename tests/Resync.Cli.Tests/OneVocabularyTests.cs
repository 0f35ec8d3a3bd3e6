using System.Globalization;

namespace Resync.Cli.Tests;

/// <summary>
/// The CLI's <c>--json</c> documents and the API's answers are one vocabulary: on the same state, the real CLI and the real
/// server give the same document for the same thing, key for key and value for value.
/// </summary>
public sealed class OneVocabularyTests : IDisposable
{
    private readonly CliProcess _cli = new();

    [Fact]
    public async Task ShowJson_AndTheApiRun_AreTheSameDocument()
    {
        // A run with batch errors and error groups, a retry child and history: every part of the document has a value.
        await Cli(1, "demo");
        await Cli(1, "retry", "1");
        var shown = await Cli(1, "show", "1");
        var retryShown = await Cli(1, "show", "2");
        await using var serve = await ServeProcess.StartAsync(_cli);

        var served = await serve.GetAsync("/api/v1/runs/1");
        var retryServed = await serve.GetAsync("/api/v1/runs/2");

        shown["batchErrors"]!.AsArray().ShouldNotBeEmpty();
        shown["errorGroups"]!.AsArray().ShouldNotBeEmpty();
        shown["children"]!.AsArray().Single()!.GetValue<long>().ShouldBe(2);
        SameDocument(shown, served, "resync show 1 --json / GET /api/v1/runs/1");
        SameDocument(retryShown, retryServed, "resync show 2 --json / GET /api/v1/runs/2");
    }

    [Fact]
    public async Task ListJson_AndTheApiLists_AreTheSameDocuments()
    {
        await Cli(1, "demo");
        await Cli(2, "run", _cli.Write("ordered.yaml", JsonOutputTests.SequentialLink));
        await using var serve = await ServeProcess.StartAsync(_cli);

        var runs = await Cli(0, "runs", "--limit", "50");
        var incomplete = await Cli(0, "incomplete", "list");
        var id = incomplete["items"]!.AsArray().Single()!["id"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture);
        var detail = await Cli(0, "incomplete", "show", id, "--limit", "100");
        var (exit, keys, error) = await _cli.RunAsync("keys", "list", "--json", "--db", _cli.StateFile);
        exit.ShouldBe(0, error);

        runs["items"]!.AsArray().Count.ShouldBe(2);
        runs["items"]!.AsArray().ShouldContain(r => r!["errorGroups"]!.AsArray().Count > 0, "a listed run shows its error groups");
        SameDocument(runs, await serve.GetAsync("/api/v1/runs?limit=50"), "resync runs --limit 50 --json / GET /api/v1/runs?limit=50");
        SameDocument(incomplete, await serve.GetAsync("/api/v1/incomplete-runs?limit=1000"), "resync incomplete list --json / GET /api/v1/incomplete-runs");
        SameDocument(detail, await serve.GetAsync($"/api/v1/incomplete-runs/{id}?limit=100"), $"resync incomplete show {id} --json / GET /api/v1/incomplete-runs/{id}");
        SameDocument(JsonNode.Parse(keys), await serve.GetAsync("/api/v1/keys"), "resync keys list --json / GET /api/v1/keys");
    }

    /// <summary>Asserts both documents have the same keys and values at every depth, naming each path where they differ.</summary>
    private static void SameDocument(JsonNode? cli, JsonNode? api, string what)
    {
        var differences = new List<string>();
        Compare(cli, api, "$", differences);
        differences.ShouldBeEmpty($"{what}:\n{string.Join('\n', differences)}");
    }

    private static void Compare(JsonNode? cli, JsonNode? api, string path, List<string> differences)
    {
        switch (cli, api)
        {
            case (JsonObject a, JsonObject b):
                foreach (var key in a.Select(p => p.Key).Union(b.Select(p => p.Key)))
                {
                    if (!a.ContainsKey(key) || !b.ContainsKey(key))
                        differences.Add($"{path}.{key}: only in the {(a.ContainsKey(key) ? "CLI's" : "API's")} document");
                    else
                        Compare(a[key], b[key], $"{path}.{key}", differences);
                }
                break;
            case (JsonArray a, JsonArray b) when a.Count == b.Count:
                for (var i = 0; i < a.Count; i++)
                    Compare(a[i], b[i], $"{path}[{i}]", differences);
                break;
            default:
                if (!JsonNode.DeepEquals(cli, api))
                    differences.Add($"{path}: CLI {cli?.ToJsonString() ?? "null"}, API {api?.ToJsonString() ?? "null"}");
                break;
        }
    }

    private Task<JsonObject> Cli(int exit, params string[] args) => _cli.RunJsonAsync(exit, [.. args, "--db", _cli.StateFile]);

    public void Dispose() => _cli.Dispose();
}
