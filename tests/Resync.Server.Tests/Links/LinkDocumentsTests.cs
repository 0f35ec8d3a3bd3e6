using Resync.Server.Links;

namespace Resync.Server.Tests.Links;

/// <summary>What of a link document is shown: every credential replaced by <c>********</c>, everything else as written.</summary>
public sealed class LinkDocumentsTests
{
    [Fact]
    public void Redact_AuthSection_HidesEveryValueButItsKindUserAndParameterNames()
    {
        var shown = LinkDocuments.Redact("""
            source:
              type: http
              auth:
                type: basic
                user: reader
                password: hunter2
                header: X-Api-Key
                value: k-123
            """);

        shown.ShouldContain("type: basic");
        shown.ShouldContain("user: reader");
        shown.ShouldContain("header: X-Api-Key");
        shown.ShouldNotContain("hunter2");
        shown.ShouldNotContain("k-123");
        shown.ShouldContain("value: '********'");
    }

    [Theory]
    [InlineData("clientSecret")]
    [InlineData("accessToken")]
    [InlineData("dbPassword")]
    [InlineData("credentials")]
    public void Redact_KeyNamedLikeASecret_IsHiddenAnywhere(string key)
    {
        var shown = LinkDocuments.Redact($"target:\n  settings:\n    {key}: s3cr3t\n    region: eu\n");

        shown.ShouldNotContain("s3cr3t");
        shown.ShouldContain($"{key}: '********'");
        shown.ShouldContain("region: eu");
    }

    [Fact]
    public void Redact_CredentialLikeHeaders_AreHidden_OtherHeadersShown()
    {
        var shown = LinkDocuments.Redact("""
            source:
              headers:
                Authorization: Bearer abc
                X-Api-Key: key-1
                Cookie: session=1
                Accept: application/json
            """);

        shown.ShouldNotContain("Bearer abc");
        shown.ShouldNotContain("key-1");
        shown.ShouldNotContain("session=1");
        shown.ShouldContain("Accept: application/json");
    }

    [Fact]
    public void Redact_ConnectionStringPasswordAndUrlUserinfo_AreMaskedInAnyValue()
    {
        var shown = LinkDocuments.Redact("""
            source:
              connection: Host=db;Username=app;Password=pa55;Database=crm
            target:
              url: https://bob:pa55@api.example.com/contacts
            """);

        shown.ShouldNotContain("pa55");
        shown.ShouldContain("Host=db;Username=app;Password=********;Database=crm");
        shown.ShouldContain("https://********@api.example.com/contacts");
    }

    [Fact]
    public void Redact_DocumentWithoutSecrets_IsShownAsWritten()
    {
        const string yaml = "name: contacts\nsource:\n  type: demo\n  records: 5\ntarget:\n  type: collect\n";

        LinkDocuments.Redact(yaml).ShouldBe(yaml);
    }

    [Fact]
    public void Redact_YamlThatDoesNotParse_IsHiddenWhole()
    {
        LinkDocuments.Redact("source: { type: http, auth: { password: hunter2 }").ShouldBe("********");
    }
}
