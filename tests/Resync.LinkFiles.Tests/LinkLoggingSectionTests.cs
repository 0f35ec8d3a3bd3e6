using Microsoft.Extensions.Logging;
using Resync.Connectors;
using Resync.Testing;

namespace Resync.LinkFiles.Tests;

/// <summary>A link file's <c>logging</c> section: its sinks as built, and every wrong value refused at its key.</summary>
public sealed class LinkLoggingSectionTests
{
    private static LinkFileResult Parse(string logging, Func<string, string?>? environment = null)
    {
        using var folder = new TempDirectory("resync-link-");
        return new LinkFileLoader(BuiltInConnectors.CreateCatalog(), environment ?? (_ => null))
            .Parse(ErrorTargetFileTests.Link + "\n" + logging, "link.yaml", folder.Path);
    }

    [Fact]
    public void HttpAndFile_AreBuiltWithTheirSettings_AndTheKeyFromASecret()
    {
        var result = Parse("""
            logging:
              http:
                url: https://intake.example.com/api/v2/logs
                apiKey: "${env:DD_KEY}"
                headers: { X-Team: sync }
                level: warning
              file: { path: logs/events.jsonl, maxFiles: 2 }
            """, name => name == "DD_KEY" ? "secret-key" : null);

        result.Problems.ShouldBeEmpty();
        var logging = result.Link.ShouldNotBeNull().Logging.ShouldNotBeNull();
        var intake = logging.Intake.ShouldNotBeNull();
        (intake.Url.Host, intake.MinimumLevel, intake.Headers["DD-API-KEY"], intake.Headers["X-Team"]).ShouldBe(("intake.example.com", LogLevel.Warning, "secret-key", "sync"));
        var file = logging.File.ShouldNotBeNull();
        (Path.GetFileName(file.Path), file.MaxFiles, file.MinimumLevel).ShouldBe(("events.jsonl", 2, LogLevel.Information));
    }

    [Fact]
    public void NoLoggingSection_AddsNoSink() => Parse("").Link.ShouldNotBeNull().Logging.ShouldBeNull();

    [Theory]
    [InlineData("http: { url: intake.example.com }", "logging.http.url: expected an absolute http or https URL")]
    [InlineData("http: { url: ftp://intake.example.com }", "logging.http.url: expected an absolute http or https URL")]
    [InlineData("http: { url: \"https://user:pw@intake.example.com\" }", "logging.http.url: the URL may not carry credentials")]
    [InlineData("http: { url: https://intake.example.com, headers: { \"X Bad\": v } }", "logging.http.headers: 'X Bad' is not a header name")]
    [InlineData("http: { url: https://intake.example.com, headers: { Host: evil.example.com } }", "logging.http.headers: the header 'Host' is set by the sink itself")]
    [InlineData("http: { url: https://intake.example.com, headers: { X-A: \"a\\r\\nX-B: b\" } }", "the value of the header 'X-A' holds a control character")]
    [InlineData("http: { url: https://intake.example.com, apiKeyHeader: X-Key }", "logging.http.apiKeyHeader: apiKeyHeader names the header of apiKey")]
    [InlineData("http: { url: https://intake.example.com, level: debug }", "logging.http.level: 'debug' is not allowed")]
    [InlineData("http: { url: https://intake.example.com, bufferSize: 0 }", "logging.http.bufferSize: must be between 1 and 1000000")]
    [InlineData("http: { url: https://intake.example.com, bufferSize: 99999999999 }", "logging.http.bufferSize: must be between 1 and 1000000")]
    [InlineData("http: { ulr: https://intake.example.com }", "unknown key 'ulr' in link.logging.http — did you mean 'url'?")]
    [InlineData("file: { path: events.jsonl, maxBytes: 10 }", "logging.file.maxBytes: must be at least 1024")]
    [InlineData("file: {}", "logging.file: the required key 'path' is missing")]
    [InlineData("syslog: {}", "unknown key 'syslog' in link.logging")]
    public void WrongValue_IsRefusedAtItsKey(string section, string expected)
    {
        var result = Parse($"logging:\n  {section}\n");

        result.Link.ShouldBeNull();
        result.Problems.ShouldContain(problem => problem.Message.Contains(expected, StringComparison.Ordinal) && problem.Line == 9,
            string.Join("; ", result.Problems));
    }
}
