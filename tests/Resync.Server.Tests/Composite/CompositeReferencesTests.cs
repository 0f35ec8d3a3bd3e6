using Resync.Server.Composite;

namespace Resync.Server.Tests.Composite;

public sealed class CompositeReferencesTests
{
    private static CompositeSubrequest Subrequest(int index, string referenceId, string url, string? body = null) =>
        new(index, "POST", url, body is null ? null : JsonNode.Parse(body), referenceId);

    [Fact]
    public void IdsIn_UrlAndBody_GivesEachReferencedIdOnceInOrder()
    {
        var subrequest = Subrequest(2, "c", "/api/v1/links/x/records/@{b.id}", """{"account": "@{a.id}", "again": "@{b.name}"}""");

        CompositeReferences.IdsIn(subrequest).ShouldBe(["b", "a"]);
    }

    [Fact]
    public void Check_ReferencesToEarlierSubrequests_AreAccepted()
    {
        var errors = new List<CompositeError>();

        CompositeReferences.Check([Subrequest(0, "a", "/api/v1/links/x/records"), Subrequest(1, "b", "/api/v1/links/x/records/@{a.id}")], errors);

        errors.ShouldBeEmpty();
    }

    [Fact]
    public void Check_UnknownReferenceId_IsInvalidReference()
    {
        var errors = new List<CompositeError>();

        CompositeReferences.Check([Subrequest(0, "a", "/api/v1/links/x/records", """{"parent": "@{nobody.id}"}""")], errors);

        var error = errors.ShouldHaveSingleItem();
        (error.ErrorCode, error.Message).ShouldBe((CompositeCodes.InvalidReference, "'a' refers to 'nobody', which is no referenceId of this call."));
    }

    [Fact]
    public void Check_ForwardReference_IsInvalidReferenceSayingItComesLater()
    {
        var errors = new List<CompositeError>();

        CompositeReferences.Check([Subrequest(0, "a", "/api/v1/links/x/records/@{b.id}"), Subrequest(1, "b", "/api/v1/links/x/records")], errors);

        errors.ShouldHaveSingleItem().Message.ShouldBe("'a' refers to 'b', which comes later: a subrequest refers only to earlier ones.");
    }

    [Fact]
    public void Check_Cycle_IsInvalidReferenceNamingTheCycle()
    {
        var errors = new List<CompositeError>();

        CompositeReferences.Check([Subrequest(0, "a", "/api/v1/links/x/records/@{b.id}"), Subrequest(1, "b", "/api/v1/links/x/records/@{a.id}")], errors);

        errors.ShouldHaveSingleItem().Message.ShouldBe("'a' and 'b' refer to each other (a cycle): a subrequest refers only to earlier ones.");
    }

    [Fact]
    public void TryResolve_WholeStringReference_TakesTheValuesJsonType()
    {
        var results = new Dictionary<string, JsonNode?> { ["a"] = JsonNode.Parse("""{"id": 42, "tags": ["x", "y"], "name": "Acme"}""") };
        var subrequest = Subrequest(1, "b", "/api/v1/links/x/records", """{"account": "@{a.id}", "tag": "@{a.tags.1}", "label": "for @{a.name}"}""");

        CompositeReferences.TryResolve(subrequest, id => results[id], out _, out var body, out var problem).ShouldBeTrue(problem);

        body!.ToJsonString().ShouldBe("""{"account":42,"tag":"y","label":"for Acme"}""");
    }

    [Fact]
    public void TryResolve_ReferenceInTheUrl_IsEscapedAsOneSegment()
    {
        var results = new Dictionary<string, JsonNode?> { ["a"] = JsonNode.Parse("""{"id": "a/b c"}""") };

        CompositeReferences.TryResolve(Subrequest(1, "b", "/api/v1/links/x/records/@{a.id}"), id => results[id], out var url, out _, out _).ShouldBeTrue();

        url.ShouldBe("/api/v1/links/x/records/a%2Fb%20c");
    }

    [Theory]
    [InlineData("@{a.missing}")]
    [InlineData("@{a.tags.5}")]
    [InlineData("@{a.id.deeper}")]
    public void TryResolve_PathThatNamesNothing_FailsNamingTheReference(string reference)
    {
        var results = new Dictionary<string, JsonNode?> { ["a"] = JsonNode.Parse("""{"id": 42, "tags": ["x"]}""") };

        CompositeReferences.TryResolve(Subrequest(1, "b", "/api/v1/links/x/records", $$"""{"v": "{{reference}}"}"""), id => results[id], out _, out _, out var problem)
            .ShouldBeFalse();

        problem.ShouldBe($"'{reference}' names nothing in the result of 'a'.");
    }
}
