using Resync.Connectors;
using Resync.Core.Sdk;

namespace Resync.LinkFiles.Tests;

/// <summary><c>errorTarget</c> in a link file: any target, checked like the link's target.</summary>
public sealed class ErrorTargetFileTests
{
    /// <summary>A minimal valid link file.</summary>
    internal const string Link = """
        name: contacts
        source:
          type: demo
          records: 10
        target:
          type: demo
          path: out.db
        """;

    private static LinkFileResult Parse(string errorTarget, ILinkTrust? trust = null) =>
        new LinkFileLoader(BuiltInConnectors.CreateCatalog(), _ => null, trust)
            .Parse(Link + "\n" + errorTarget, "link.yaml", Directory.CreateTempSubdirectory("resync-link-").FullName);

    [Fact]
    public void ErrorTarget_IsBuiltFromTheTargetCatalog()
    {
        var result = Parse("errorTarget: { type: jsonl, path: failed.jsonl }");

        result.Problems.ShouldBeEmpty();
        result.Link.ShouldNotBeNull().ErrorTarget.ShouldNotBeNull().GetType().Name.ShouldBe("JsonLinesTarget");
    }

    [Fact]
    public void NoErrorTarget_IsNone() => Parse("").Link.ShouldNotBeNull().ErrorTarget.ShouldBeNull();

    [Fact]
    public void UnknownType_IsRefusedAtTheKey() =>
        Parse("errorTarget: { type: jsnl, path: failed.jsonl }").Problems.ShouldHaveSingleItem().Message.ShouldContain("errorTarget.type: unknown errorTarget type 'jsnl'");

    [Fact]
    public void TargetTypeTheServerRefuses_IsRefusedAsAnErrorTargetToo()
    {
        var problem = Parse("errorTarget: { type: jsonl, path: failed.jsonl }", new NoJsonLinesTargets()).Problems.ShouldHaveSingleItem();

        problem.Message.ShouldBe("errorTarget.type: jsonl targets are not allowed here");
    }

    private sealed class NoJsonLinesTargets : ILinkTrust
    {
        public string ResolvePath(string value, string baseDirectory) => FullTrust.Instance.ResolvePath(value, baseDirectory);

        public void CheckBeforeOpen(string fullPath)
        {
        }

        public string? RefuseType(string section, string type) => section == "target" && type == "jsonl" ? "jsonl targets are not allowed here" : null;
    }
}
