using Resync.Server.Links;

namespace Resync.Server.Tests.Links;

public sealed class LinkVersionsTests
{
    private static string WithPassword(string password, int records = 5) => $$"""
        name: secret
        source: { type: demo, records: {{records}}, failingPage: 0 }
        target: { type: http, url: "http://127.0.0.1:9/x", auth: { type: basic, user: u, password: {{password}} } }
        """;

    [Fact]
    public void Hash_OfDocumentsDifferingOnlyInAPassword_IsTheSame_SoItCannotBeUsedToTestGuesses() =>
        LinkVersions.Of(WithPassword("correct horse"), "").Hash.ShouldBe(LinkVersions.Of(WithPassword("hunter2"), "").Hash);

    [Fact]
    public void Hash_IgnoresLineEndings_AndChangesWithAnyField()
    {
        var version = LinkVersions.Of(WithPassword("p"), "").Hash;
        LinkVersions.Of(WithPassword("p").ReplaceLineEndings("\r\n"), "").Hash.ShouldBe(version);
        LinkVersions.Of(WithPassword("p", records: 6), "").Hash.ShouldNotBe(version);
        version.Length.ShouldBe(12);
    }

    [Fact]
    public void Changes_ListFieldsChangedAddedAndRemoved_WithoutCredentials()
    {
        var changes = LinkVersions.Changes(WithPassword("hunter2") + "\nsettings: { batchSize: 10 }\n", WithPassword("correct horse", records: 6) + "\ntrigger: { every: 5m }\n");

        changes.ShouldBe(["source.records: 5 → 6", "+ trigger: {every: 5m}", "- settings (was {batchSize: 10})"]);
        string.Concat(changes).ShouldNotContain("hunter2");
        string.Concat(changes).ShouldNotContain("horse");
    }

    [Fact]
    public void Changes_OfListItems_MatchThemByContent_AndCompareItemsChangedInPlace()
    {
        const string Before = "steps:\n  - validate: { field: name, maxLength: 9 }\n  - filter: { field: status, equals: archived, reason: old }\n";
        const string After = "steps:\n  - truncate: { field: name, maxLength: 9 }\n  - validate: { field: name, maxLength: 12 }\n  - filter: { field: status, equals: archived, reason: old }\n";

        LinkVersions.Changes(Before, After).ShouldBe(["+ steps[0]: {truncate: {field: name, maxLength: 9}}", "steps[1].validate.maxLength: 9 → 12"]);
    }
}
