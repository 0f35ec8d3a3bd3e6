using Resync.Server.Api;

namespace Resync.Server.Tests.Api;

public sealed class BodyTextTests
{
    [Theory]
    [InlineData("""[{"id": "a", "name": "caf\u00e9 \ud83d\ude00"}]""")]
    [InlineData("""{"records": [{"a\\ud800": "\\\\ud800"}]}""")] // an escaped backslash followed by 'ud800' is text, not an escape
    [InlineData("""[{"id": 1,""")] // malformed JSON: left to the endpoint
    [InlineData("")]
    public void Check_ValidText_PassesIt(string json) => BodyText.Check(Encoding.UTF8.GetBytes(json), json: true).ShouldBeNull();

    [Theory]
    [InlineData("""[{"id": "a"}, {"id": "b", "name": "x\ud800"}]""", "$[1].name")]
    [InlineData("""{"records": [{"tags": ["ok", "\udc00"]}]}""", "$.records[0].tags[1]")]
    [InlineData("""{"a": {"we ird": "\ud800\ud800"}}""", "$.a['we ird']")]
    [InlineData("""{"\ud800": 1}""", "$['\\ud800']")]
    [InlineData("\"\\ud800\"", "$")]
    public void Check_LoneSurrogate_IsInvalidUnicode_NamingThePath(string json, string path)
    {
        var problem = BodyText.Check(Encoding.UTF8.GetBytes(json), json: true).ShouldNotBeNull();
        problem.StatusCode.ShouldBe(400);
        problem.ProblemDetails.Extensions["code"].ShouldBe("invalid-unicode");
        problem.ProblemDetails.Extensions["path"].ShouldBe(path);
        problem.ProblemDetails.Detail.ShouldNotBeNull().ShouldContain(path);
    }

    [Fact]
    public void Check_InvalidUtf8_IsInvalidUtf8_NamingOffsetAndLine()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("[{\"id\": \"a\",\n \"name\": \"x"), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}]")];
        var problem = BodyText.Check(body, json: true).ShouldNotBeNull();
        problem.ProblemDetails.Extensions["code"].ShouldBe("invalid-utf8");
        problem.ProblemDetails.Extensions["offset"].ShouldBe(24);
        problem.ProblemDetails.Extensions["line"].ShouldBe(2);
        problem.ProblemDetails.Detail.ShouldNotBeNull().ShouldContain("0xC3 at offset 24");
    }

    [Fact]
    public void Check_InvalidUtf8_IsRefusedInAnyBody_NotOnlyJson() =>
        BodyText.Check([0x6E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xFF], json: false).ShouldNotBeNull().ProblemDetails.Extensions["offset"].ShouldBe(6);

    [Fact]
    public void Check_LoneSurrogateOutsideJson_IsNotItsBusiness() =>
        BodyText.Check(Encoding.UTF8.GetBytes("name: \"\\ud800\""), json: false).ShouldBeNull();
}
