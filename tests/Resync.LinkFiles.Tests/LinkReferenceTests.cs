using Resync.Testing;
using Resync.Connectors;

namespace Resync.LinkFiles.Tests;

public sealed class LinkReferenceTests
{
    [Fact]
    public void DocsLinksReference_MatchesTheSchemas()
    {
        var path = RepositoryFiles.PathOf("docs", "links.md");
        var document = File.ReadAllText(path);

        var expected = LinkReference.Splice(document, LinkReference.Write(BuiltInConnectors.CreateCatalog()));

        document.ShouldBe(expected, "docs/links.md is out of date: regenerate it with `dotnet run --project src/Resync.Cli -- reference --update docs/links.md`.");
    }

    [Fact]
    public void Reference_ListsEveryKeyOfEveryComponent()
    {
        var catalog = BuiltInConnectors.CreateCatalog();
        var reference = LinkReference.Write(catalog);

        foreach (var descriptor in catalog.Sources.Values)
            reference.ShouldContain($"`source.type: {descriptor.Name}`");
        foreach (var descriptor in catalog.Targets.Values)
            reference.ShouldContain($"`target.type: {descriptor.Name}`");
        foreach (var descriptor in catalog.Steps.Values)
        {
            reference.ShouldContain($"#### `{descriptor.Name}`");
            foreach (var key in descriptor.Schema.Keys)
                reference.ShouldContain($"`{key.Name}`");
        }
    }

    [Fact]
    public void EverySample_Loads()
    {
        var samples = Directory.GetFiles(RepositoryFiles.PathOf("samples"), "*.link.yaml");
        samples.ShouldNotBeEmpty();
        // What a user would put in the environment: the samples take URLs, connection strings and secrets from it.
        var loader = new LinkFileLoader(BuiltInConnectors.CreateCatalog(), name =>
            name.EndsWith("_URL", StringComparison.Ordinal) ? "https://api.example.com/v1/contacts"
            : name.EndsWith("_DB", StringComparison.Ordinal) ? "Host=127.0.0.1;Database=sample;Username=sample"
            : $"sample-{name}");

        foreach (var sample in samples)
            loader.Load(sample).Problems.ShouldBeEmpty($"{Path.GetFileName(sample)} should load");
    }
}
