using System.Text.RegularExpressions;
using Resync.Connectors;
using Resync.Core.Sdk;
using Resync.Server.Links;

namespace Resync.Server.Tests.Links;

public sealed partial class LinkTrustTests
{
    /// <summary>
    /// The safety net for connectors to come: a key that names a file must be marked, or the server would not confine it.
    /// JSON paths (records, cursors…) are not files.
    /// </summary>
    [Fact]
    public void EveryBuiltInKeyThatNamesAFile_IsMarkedAsAFilePath()
    {
        var catalog = BuiltInConnectors.CreateCatalog();
        var sections = catalog.Sources.Values.Select(d => (Where: $"source {d.Name}", d.Schema))
            .Concat(catalog.Targets.Values.Select(d => (Where: $"target {d.Name}", d.Schema)))
            .Concat(catalog.Steps.Values.Select(d => (Where: $"step {d.Name}", d.Schema)));
        var marked = 0;
        foreach (var (where, schema) in sections)
        {
            foreach (var key in Keys(schema))
            {
                var namesAFile = FileName().IsMatch(key.Name) && !key.Description.Contains("JSON path", StringComparison.Ordinal);
                key.FilePath.ShouldBe(namesAFile, $"{where}: {key.Name} ({key.Description})");
                marked += key.FilePath ? 1 : 0;
            }
        }
        marked.ShouldBe(7); // sqlite, csv and jsonl, as sources and as targets, and the demo target
    }

    [Theory]
    [InlineData("a.csv", null)]
    [InlineData("out/2026/a.jsonl", null)]
    [InlineData("./a.csv", null)]
    [InlineData("a..b.csv", null)]
    [InlineData("../a.csv", "'..'")]
    [InlineData("out/../../a.csv", "'..'")]
    [InlineData(@"out\..\a.csv", "'..'")]
    [InlineData("%2e%2e/a.csv", "percent-encoding '%2e'")]
    [InlineData("a%00.csv", "percent-encoding '%00'")]
    [InlineData("a\0.csv", "NUL")]
    [InlineData("a\n.csv", "control character")]
    [InlineData("file:a.csv", "URI")]
    [InlineData("FILE:///etc/passwd", "URI")]
    [InlineData("https://example.com/a.csv", "URI")]
    [InlineData("\u2024\u2024/a.csv", "U+2024, which reads as '.'")]
    [InlineData("\uFF0E\uFF0E/a.csv", "U+FF0E")]
    [InlineData("\uFE52\uFE52/a.csv", "U+FE52")]
    [InlineData("..\u2215a.csv", "U+2215, which reads as '/'")]
    [InlineData("..\uFF3Ca.csv", "U+FF3C")]
    public void RefuseWritten_NamesTheRule(string value, string? rule)
    {
        var refusal = ConfinedPath.RefuseWritten(value);
        if (rule is null)
            refusal.ShouldBeNull();
        else
            refusal.ShouldNotBeNull().ShouldContain(rule);
    }

    [Fact]
    public void RealPath_FollowsLinksInEveryFolderOnTheWay_AndKeepsMissingPartsAsWritten()
    {
        using var temp = new Resync.Testing.TempDirectory();
        var real = Directory.CreateDirectory(Path.Combine(temp.Path, "real")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(temp.Path, "one"), real);
        Directory.CreateSymbolicLink(Path.Combine(temp.Path, "two"), "one");
        File.CreateSymbolicLink(Path.Combine(real, "dangling"), Path.Combine(temp.Path, "elsewhere", "file"));

        ConfinedPath.RealPath(Path.Combine(temp.Path, "two", "sub", "file.csv")).ShouldBe(Path.Combine(real, "sub", "file.csv"));
        ConfinedPath.RealPath(Path.Combine(temp.Path, "two", "dangling")).ShouldBe(Path.Combine(temp.Path, "elsewhere", "file"));
    }

    [Fact]
    public void RealPath_OfALinkLoop_IsAnError()
    {
        using var temp = new Resync.Testing.TempDirectory();
        File.CreateSymbolicLink(Path.Combine(temp.Path, "a"), Path.Combine(temp.Path, "b"));
        File.CreateSymbolicLink(Path.Combine(temp.Path, "b"), Path.Combine(temp.Path, "a"));
        Should.Throw<IOException>(() => ConfinedPath.RealPath(Path.Combine(temp.Path, "a")));
    }

    private static IEnumerable<KeySpec> Keys(ConfigSchema schema) =>
        schema.Keys.SelectMany(key => key.Nested is { } nested ? [key, .. Keys(nested)] : new[] { key });

    [GeneratedRegex("path|file|folder|dir", RegexOptions.IgnoreCase)]
    private static partial Regex FileName();
}
