namespace Resync.Cli.Tests;

/// <summary>Retry and resume use the link file as fixed since the failure, say which version they use and what changed; --definition original uses the run's own.</summary>
public sealed class LinkVersionCommandTests : IDisposable
{
    private const string Failing = """
        name: names
        source: { type: jsonl, path: in.jsonl, keyField: id }
        steps:
          - validate: { field: name, maxLength: 10 }
        target: { type: csv, path: out.csv }
        settings: { batchSize: 5 }
        """;

    private const string Fixed = """
        name: names
        source: { type: jsonl, path: in.jsonl, keyField: id }
        steps:
          - truncate: { field: name, maxLength: 10 }
          - validate: { field: name, maxLength: 10 }
        target: { type: csv, path: out.csv }
        settings: { batchSize: 5 }
        """;

    private readonly CliProcess _cli = new();

    public LinkVersionCommandTests() =>
        // Records 4 and 9 have names too long: validate fails them with "Shorten 'name' at the source, or add a truncate step."
        _cli.Write("in.jsonl", string.Concat(Enumerable.Range(1, 12).Select(i => i is 4 or 9 ? $"{{\"id\":{i},\"name\":\"a very long name {i}\"}}\n" : $"{{\"id\":{i},\"name\":\"n{i}\"}}\n")));

    [Fact]
    public async Task Retry_AfterTheLinkFileWasFixedAsTheHintSays_UsesTheFixedFile_AndSaysWhichVersionAndWhatChanged()
    {
        var link = _cli.Write("names.yaml", Failing);
        var run = await _cli.RunJsonAsync(1, "run", link, "--db", _cli.StateFile);
        var failedVersion = run["linkVersion"]!.GetValue<string>();
        failedVersion.Length.ShouldBe(12);
        var (_, shown, _) = await _cli.RunAsync("show", "1", "--records", "failed", "--db", _cli.StateFile);
        shown.ShouldContain("add a truncate step");

        _cli.Write("names.yaml", Fixed);
        var (exit, output, error) = await _cli.RunAsync("retry", "1", "--db", _cli.StateFile);

        exit.ShouldBe(0, error);
        var retried = await _cli.RunJsonAsync(0, "show", "2", "--db", _cli.StateFile);
        var fixedVersion = retried["linkVersion"]!.GetValue<string>();
        fixedVersion.ShouldNotBe(failedVersion);
        output.ShouldContain($"Definition: the link's current one (version {fixedVersion}, from {link}); run 1 ran with version {failedVersion}.");
        output.ShouldContain("+ steps[0]: {truncate: {field: name, maxLength: 10}}");
        output.ShouldNotContain("steps[1]", customMessage: "the validate step is the same one, moved down");
        output.ShouldContain("--definition original");
        retried["counts"]!["succeeded"]!.GetValue<long>().ShouldBe(2);
        retried["history"]!.AsArray().ShouldContain(e => e!["kind"]!.GetValue<string>() == "definition"
            && e["message"]!.GetValue<string>().Contains($"version {fixedVersion}", StringComparison.Ordinal));
        File.ReadAllText(Path.Combine(_cli.Folder, "out.csv")).ShouldContain("a very lon");
    }

    [Fact]
    public async Task Retry_WithDefinitionOriginal_UsesTheFailedRunsOwnDefinition_EvenWhenTheFileIsBrokenSince_AndAnotherValueIsRefused()
    {
        var link = _cli.Write("names.yaml", Failing);
        var failedVersion = (await _cli.RunJsonAsync(1, "run", link, "--db", _cli.StateFile))["linkVersion"]!.GetValue<string>();
        _cli.Write("names.yaml", Fixed.Replace("- truncate:", "- truncat:", StringComparison.Ordinal));

        var (refusedExit, _, refused) = await _cli.RunAsync("retry", "1", "--definition", "newest", "--db", _cli.StateFile);
        refusedExit.ShouldBe(64);
        refused.ShouldContain("newest");
        var (brokenExit, _, broken) = await _cli.RunAsync("retry", "1", "--db", _cli.StateFile);
        brokenExit.ShouldBe(64);
        broken.ShouldContain("The link file");
        broken.ShouldContain("--definition original");
        var (exit, output, _) = await _cli.RunAsync("retry", "1", "--definition", "original", "--db", _cli.StateFile);

        exit.ShouldBe(1, "the run's own definition fails the same records again");
        output.ShouldContain($"Definition: run 1's own (version {failedVersion}); the link's current definition is version ");
        var retried = await _cli.RunJsonAsync(1, "show", "2", "--db", _cli.StateFile);
        retried["linkVersion"]!.GetValue<string>().ShouldBe(failedVersion);
        retried["counts"]!["failed"]!.GetValue<long>().ShouldBe(2);
    }

    [Fact]
    public async Task IncompleteRetry_UsesTheFixedFile_AndWhenTheFileIsGone_TheDefinitionKeptAtTheLastRun()
    {
        // Sequential processing: record 4 stops the run; the rest waits as incomplete run 1.
        var link = _cli.Write("names.yaml", Failing.Replace("batchSize: 5", "batchSize: 5, sequentialProcessing: true", StringComparison.Ordinal));
        await _cli.RunJsonAsync(2, "run", link, "--db", _cli.StateFile);
        _cli.Write("names.yaml", Fixed.Replace("batchSize: 5", "batchSize: 5, sequentialProcessing: true", StringComparison.Ordinal));

        var (exit, output, error) = await _cli.RunAsync("incomplete", "retry", "1", "--db", _cli.StateFile);

        exit.ShouldBe(0, error);
        output.ShouldContain("Definition: the link's current one (version ");
        output.ShouldContain("+ steps[0]: {truncate: {field: name, maxLength: 10}}");
        File.ReadAllLines(Path.Combine(_cli.Folder, "out.csv")).Length.ShouldBe(13, "a header and the 12 records");

        // The next run stops at record 4 again (the file is back to the failing one), then the file is deleted.
        File.Delete(Path.Combine(_cli.Folder, "out.csv"));
        _cli.Write("names.yaml", Failing.Replace("batchSize: 5", "batchSize: 5, sequentialProcessing: true", StringComparison.Ordinal));
        await _cli.RunJsonAsync(2, "run", link, "--db", _cli.StateFile);
        File.Delete(link);
        var (_, goneOutput, _) = await _cli.RunAsync("incomplete", "retry", "2", "--db", _cli.StateFile);
        goneOutput.ShouldContain($"from the definition kept when it last ran ({link} is gone)");
    }

    public void Dispose() => _cli.Dispose();
}
