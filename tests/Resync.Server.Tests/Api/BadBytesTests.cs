using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Resync.Server.Tests.Composite;

namespace Resync.Server.Tests.Api;

/// <summary>Bodies that are not text: push, composite and tree refuse them alike (400 naming where, 413 over the limit), and store nothing.</summary>
public sealed class BadBytesTests
{
    public static TheoryData<string, string> Endpoints => new()
    {
        { "sync push", "/api/v1/links/accounts/push" },
        { "async push", "/api/v1/links/accounts/push?mode=async" },
        { "batch", "/api/v1/composite/batch" },
        { "composite", "/api/v1/composite" },
        { "tree", "/api/v1/composite/tree/accounts" },
    };

    /// <summary>A valid body for the endpoint, with <paramref name="name"/> (raw bytes) as the one record's name.</summary>
    private static byte[] Body(string endpoint, byte[] name)
    {
        var template = endpoint switch
        {
            "batch" => """{"batchRequests": [{"method": "POST", "url": "/api/v1/links/accounts/records", "body": {"id": "a1", "name": "NAME"}}]}""",
            "composite" => """{"compositeRequest": [{"method": "POST", "url": "/api/v1/links/accounts/records", "referenceId": "r1", "body": {"id": "a1", "name": "NAME"}}]}""",
            "tree" => """{"records": [{"attributes": {"referenceId": "r1"}, "id": "a1", "name": "NAME"}]}""",
            _ => """[{"id": "a1", "name": "NAME"}]""",
        };
        var (before, after) = (template[..template.IndexOf("NAME", StringComparison.Ordinal)], template[(template.IndexOf("NAME", StringComparison.Ordinal) + 4)..]);
        return [.. Encoding.UTF8.GetBytes(before), .. name, .. Encoding.UTF8.GetBytes(after)];
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task InvalidUtf8_Is400NamingTheOffset_AndStoresNothing(string endpoint, string path)
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var body = Body(endpoint, [0x41, 0xC3, 0x28, 0x42]); // 0xC3 starts a two-byte sequence that 0x28 does not continue
        var offset = Array.IndexOf(body, (byte)0xC3);

        var problem = await PostProblemAsync(fixture, path, body, HttpStatusCode.BadRequest);

        problem["code"]!.GetValue<string>().ShouldBe("invalid-utf8");
        problem["offset"]!.GetValue<int>().ShouldBe(offset);
        problem["detail"]!.GetValue<string>().ShouldContain($"offset {offset}");
        await NothingStoredAsync(fixture);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task LoneSurrogate_Is400NamingThePath_AndStoresNothing(string endpoint, string path)
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var body = Body(endpoint, Encoding.UTF8.GetBytes("x\\ud800"));

        var problem = await PostProblemAsync(fixture, path, body, HttpStatusCode.BadRequest);

        problem["code"]!.GetValue<string>().ShouldBe("invalid-unicode");
        problem["path"]!.GetValue<string>().ShouldBe(endpoint switch
        {
            "batch" => "$.batchRequests[0].body.name",
            "composite" => "$.compositeRequest[0].body.name",
            "tree" => "$.records[0].name",
            _ => "$[0].name",
        });
        problem["detail"]!.GetValue<string>().ShouldContain("\\ud800");
        await NothingStoredAsync(fixture);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task ChunkedBodyOverTheLimit_WithoutContentLength_Is413_AndStoresNothing(string endpoint, string path)
    {
        await using var fixture = await CompositeFixture.StartAsync(configure: options => options.MaxBodyBytes = 4096);
        var body = Body(endpoint, Encoding.UTF8.GetBytes(new string('n', 10_000)));

        // Raw HTTP/1.1: chunked, no Content-Length, so only the server's own reading limit can stop it.
        var uri = new Uri(fixture.Server.Url);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        await using var stream = tcp.GetStream();
        var head = $"POST {path} HTTP/1.1\r\nHost: {uri.Authority}\r\nAuthorization: Bearer {fixture.Server.AcmeKey}\r\n"
            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        try
        {
            foreach (var chunk in body.Chunk(1000))
                await stream.WriteAsync((byte[])[.. Encoding.ASCII.GetBytes($"{chunk.Length:X}\r\n"), .. chunk, .. "\r\n"u8]);
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        }
        catch (IOException)
        {
            // The server may answer and close before the whole body is sent; its answer is still there to read.
        }
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answer = await reader.ReadToEndAsync();

        answer.ShouldStartWith("HTTP/1.1 413 ");
        answer.ShouldContain("application/problem+json");
        // The answer's own body may come chunked: the problem document is the JSON object in it.
        var problem = JsonNode.Parse(answer[answer.IndexOf('{', StringComparison.Ordinal)..(answer.LastIndexOf('}') + 1)])!;
        problem["code"]!.GetValue<string>().ShouldBe("body-too-large");
        problem["maxBytes"]!.GetValue<long>().ShouldBe(4096);
        await NothingStoredAsync(fixture);
    }

    private static async Task<JsonNode> PostProblemAsync(CompositeFixture fixture, string path, byte[] body, HttpStatusCode status)
    {
        using var client = fixture.Server.Client(fixture.Server.AcmeKey);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(path, content);
        response.StatusCode.ShouldBe(status, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        return await ServerHarness.JsonAsync(response);
    }

    private static async Task NothingStoredAsync(CompositeFixture fixture)
    {
        fixture.Rows().ShouldBeEmpty();
        using var client = fixture.Server.Client(fixture.Server.OperatorKey);
        (await ServerHarness.JsonAsync(await client.GetAsync("/api/v1/runs")))["items"]!.AsArray().ShouldBeEmpty();
        using var connection = new SqliteConnection($"Data Source={fixture.Server.Options.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT COUNT(*) FROM pushes) + (SELECT COUNT(*) FROM record_outcomes)";
        ((long)command.ExecuteScalar()!).ShouldBe(0);
    }
}
