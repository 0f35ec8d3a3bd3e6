using System.Text.RegularExpressions;
using Resync.Connectors;
using Resync.LinkFiles;

namespace Resync.Cli.Tests;

/// <summary>
/// The examples of the README and docs/ marked runnable (<c>```yaml runnable</c>, <c>```sh runnable</c>) work as written:
/// a YAML example is a valid link file; every command of a shell example runs with the real <c>resync</c>.
/// </summary>
public sealed partial class DocsExamplesTests : IDisposable
{
    private readonly CliProcess _cli = new();

    [Fact]
    public void RunnableYamlExamples_AreValidLinkFiles()
    {
        var examples = Examples("yaml").ToList();
        // Secrets come from the environment: any variable an example names is set for it.
        var loader = new LinkFileLoader(BuiltInConnectors.CreateCatalog(), name => $"value-of-{name}");

        var problems = examples.SelectMany(e => loader.Parse(e.Text, $"{e.File}:{e.Line}", _cli.Folder).Problems.Select(p => p.ToString())).ToList();

        examples.Count.ShouldBeGreaterThanOrEqualTo(4);
        problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task RunnableShellExamples_RunAsWritten()
    {
        var examples = Examples("sh").ToList();
        // `resync` as after `dotnet tool install`: the command these tests built.
        var resync = $"resync() {{ dotnet '{Path.Combine(AppContext.BaseDirectory, "resync.dll")}' \"$@\"; }}; ";
        // The examples that look closer at a run follow the README's first command, the demo.
        (await _cli.RunProgramAsync("bash", ["-c", resync + "resync demo"])).ExitCode.ShouldBe(1);

        examples.ShouldNotBeEmpty();
        foreach (var (file, line, text) in examples)
        {
            foreach (var command in Commands(text))
            {
                var (exit, output, error) = await _cli.RunProgramAsync("bash", ["-c", resync + command]);

                // 0 succeeded, 1 a run finished with errors (the demo's); anything else is an example that does not work.
                exit.ShouldBeOneOf([0, 1], $"{file}:{line}: `{command}` exited {exit}\n{error}\n{output}");
            }
        }
    }

    /// <summary>The commands of a shell example, one a line, without comments; `dotnet run --project src/Resync.Cli --` is `resync`.</summary>
    private static IEnumerable<string> Commands(string text) =>
        text.Split('\n')
            .Select(line => Comment().Replace(line, "").Trim())
            .Where(line => line.Length > 0)
            .Select(line => line.Replace("dotnet run --project src/Resync.Cli --", "resync", StringComparison.Ordinal));

    private static IEnumerable<(string File, int Line, string Text)> Examples(string language)
    {
        var files = new[] { RepositoryFiles.PathOf("README.md") }.Concat(Directory.GetFiles(RepositoryFiles.PathOf("docs"), "*.md"));
        foreach (var file in files)
        {
            var document = File.ReadAllText(file);
            foreach (Match block in Block().Matches(document))
            {
                if (block.Groups["language"].Value == language)
                    yield return (Path.GetRelativePath(RepositoryFiles.Root, file), document[..block.Index].Count(c => c == '\n') + 2, block.Groups["text"].Value);
            }
        }
    }

    [GeneratedRegex(@"^```(?<language>\w+) runnable[ \t]*\n(?<text>.*?)^```[ \t]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Block();

    [GeneratedRegex(@"(^|\s)#.*$")]
    private static partial Regex Comment();

    public void Dispose() => _cli.Dispose();
}
