using Resync.Server.Composite;

namespace Resync.Server.Tests.Composite;

public sealed class SubrequestRoutesTests
{
    private static readonly SubrequestRoutes Routes = new([
        "/api/v1/links", "/api/v1/links/{linkId}", "/api/v1/runs", "/api/v1/runs/{runId}", "/api/v1/runs/{runId}/records",
        "/api/v1/composite/batch", // a read the table may hold by mistake: the composite API is never one
    ]);

    [Theory]
    [InlineData("POST", "/api/v1/links/accounts/records", nameof(SubrequestKind.CreateRecord), "/api/v1/links/accounts/records")]
    [InlineData("PATCH", "/api/v1/links/accounts/records/acc1", nameof(SubrequestKind.WriteRecord), "/api/v1/links/accounts/records/acc1")]
    [InlineData("PUT", "/api/v1/links/accounts/records/a%20b/", nameof(SubrequestKind.WriteRecord), "/api/v1/links/accounts/records/a%20b")]
    [InlineData("GET", "/api/v1/links/accounts/records", nameof(SubrequestKind.RecordsMethodNotAllowed), "/api/v1/links/accounts/records")]
    [InlineData("PATCH", "/api/v1/links/accounts/records", nameof(SubrequestKind.RecordsMethodNotAllowed), "/api/v1/links/accounts/records")]
    [InlineData("GET", "/api/v1/links/accounts", nameof(SubrequestKind.Read), "/api/v1/links/accounts")]
    [InlineData("GET", "/api/v1/Runs/12/records?outcome=failed&limit=5", nameof(SubrequestKind.Read), "/api/v1/runs/12/records?outcome=failed&limit=5")]
    [InlineData("GET", "/api/v1/runs?linkId=a+b%26c", nameof(SubrequestKind.Read), "/api/v1/runs?linkId=a%20b%26c")]
    [InlineData("GET", "/api/v1/links/caf%C3%A9", nameof(SubrequestKind.Read), "/api/v1/links/caf%C3%A9")]
    public void Match_DocumentedOperation_IsAllowed_WithItsCanonicalUrl(string method, string url, string kind, string canonical)
    {
        var match = Routes.Match(method, url);
        match.Kind.ToString().ShouldBe(kind, match.Problem);
        match.Url.ShouldBe(canonical);
    }

    [Fact]
    public void Match_RecordOperation_DecodesLinkAndKeyOnce()
    {
        var match = Routes.Match("PATCH", "/api/v1/links/acc%20ounts/records/caf%C3%A9%2B1");
        match.Kind.ShouldBe(SubrequestKind.WriteRecord);
        (match.LinkId, match.Key).ShouldBe(("acc ounts", "café+1"));
    }

    [Theory]
    [InlineData("POST", "/api/v1/composite/batch", "composite API")]
    [InlineData("POST", "/api/v1/%63omposite/batch", "composite API")]
    [InlineData("POST", "/api/v1/COMPOSITE", "composite API")]
    [InlineData("GET", "/api/v1/composite/batch", "composite API")]
    [InlineData("POST", "/api/v1/\uFF43omposite/batch", "composite API")] // fullwidth c
    [InlineData("POST", "/api/v1/links/%2e%2e/composite/batch", "dot segment")]
    [InlineData("POST", "/api/v1/links/../composite/batch", "dot segment")]
    [InlineData("POST", "/api/v1/links/./x/records", "dot segment")]
    [InlineData("POST", "/api/v1/links/%2E%2E/%2e%2e/api/v1/composite", "dot segment")]
    [InlineData("POST", "/api/v1/links/%252e%252e/composite/batch", "percent-encoded twice")]
    [InlineData("POST", "/api/v1/links/\u2025/composite/batch", "lookalikes")] // two-dot leader: '..' once normalised
    [InlineData("POST", "/api/v1/links/\uFF0E\uFF0E/composite/batch", "lookalikes")] // fullwidth full stops
    [InlineData("POST", "/api/v1/links/a\uFF0Fb/records", "lookalikes")] // fullwidth solidus
    [InlineData("POST", "/api/v1/links/a%2Fb/records", "encoded '/'")]
    [InlineData("POST", "/api/v1/links/a%5C..%5Ccomposite/records", "encoded '/' or '\\'")]
    [InlineData("POST", "/api/v1/links\\..\\composite/batch", "backslash")]
    [InlineData("POST", "/api/v1//composite/batch", "empty segment")]
    [InlineData("POST", "/api/v1/links//records", "empty segment")]
    [InlineData("POST", "//evil.example/api/v1/links/a/records", "not a path of this API")]
    [InlineData("POST", "http://127.0.0.1/api/v1/links/a/records", "not a path of this API")]
    [InlineData("POST", "/api/v2/links/a/records", "not a path of this API")]
    [InlineData("POST", "/api/v1/links/a/records#x", "fragment")]
    [InlineData("POST", "/api/v1/links/a/records?x=1", "no query")]
    [InlineData("POST", "/api/v1/links/a%zz/records", "percent-encoded byte")]
    [InlineData("POST", "/api/v1/links/a%/records", "percent-encoded byte")]
    [InlineData("POST", "/api/v1/links/%C3%28/records", "not UTF-8")]
    [InlineData("POST", "/api/v1/links/a%00b/records", "control character")]
    [InlineData("POST", "/api/v1/links/a\nb/records", "control character")]
    [InlineData("POST", "/api/v1/links/a/runs", "not something a composite call carries out")]
    [InlineData("DELETE", "/api/v1/links/a", "not something a composite call carries out")]
    [InlineData("PUT", "/api/v1/links/a", "not something a composite call carries out")]
    [InlineData("GET", "/api/v1/keys", "not something a composite call carries out")]
    [InlineData("GET", "/api/v1/runs/1/events", "not something a composite call carries out")]
    [InlineData("GET", "/api/v1/runs?x=%G1", "percent-encoded byte")]
    public void Match_AnythingElse_IsRefused_SayingWhy(string method, string url, string reason)
    {
        var match = Routes.Match(method, url);
        match.Kind.ShouldBe(SubrequestKind.Refused);
        match.Problem.ShouldNotBeNull().ShouldContain(reason, Case.Insensitive);
    }

    [Fact]
    public void Match_ResolvedReferenceEscapedIntoOneSegment_StaysOneSegment()
    {
        // A reference resolved to "../../composite/batch" is escaped into one segment, which is a key, not a path.
        var match = Routes.Match("PATCH", "/api/v1/links/accounts/records/" + Uri.EscapeDataString("../../composite/batch"));
        match.Kind.ShouldBe(SubrequestKind.Refused);
        match.Problem.ShouldNotBeNull().ShouldContain("encoded '/'");
        Routes.Match("PATCH", "/api/v1/links/accounts/records/" + Uri.EscapeDataString("..")).Kind.ShouldBe(SubrequestKind.Refused);
    }
}
