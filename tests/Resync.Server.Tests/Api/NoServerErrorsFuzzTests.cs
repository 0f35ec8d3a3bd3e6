using System.Net.Http.Headers;
using CsCheck;
using Microsoft.Data.Sqlite;
using Resync.Server.Tests.Composite;

namespace Resync.Server.Tests.Api;

/// <summary>
/// Random bytes, random JSON and mutated valid bodies sent to every endpoint a tenant writes through: the server never
/// answers 5xx, and a refused request stores nothing (runs, records, pushes, links, target rows counted around it).
/// CsCheck prints the seed of a failing case; set it as the seed below (or CsCheck_Seed) to replay it.
/// </summary>
public sealed class NoServerErrorsFuzzTests
{
    private const int Cases = 3_000;

    private static readonly string[] Paths =
    [
        "/api/v1/links/accounts/push", "/api/v1/links/accounts/push?mode=async", "/api/v1/composite/batch", "/api/v1/composite",
        "/api/v1/composite/tree/accounts", "/api/v1/links/fuzzed",
    ];

    private static readonly string[] Valid =
    [
        """[{"id": "p1", "name": "Push", "phone": "555"}]""",
        """{"records": [{"id": "p2", "name": "Async"}]}""",
        """{"haltOnError": true, "batchRequests": [{"method": "POST", "url": "/api/v1/links/accounts/records", "body": {"id": "b1", "name": "B"}}, {"method": "GET", "url": "/api/v1/links/accounts"}]}""",
        """{"allOrNone": false, "compositeRequest": [{"method": "POST", "url": "/api/v1/links/accounts/records", "referenceId": "a", "body": {"id": "c1", "name": "C"}}, {"method": "PATCH", "url": "/api/v1/links/accounts/records/@{a.id}", "referenceId": "b", "body": {"name": "D"}}]}""",
        """{"records": [{"attributes": {"referenceId": "t1"}, "id": "t1", "name": "T", "children": {"parentField": "parent_id", "records": [{"attributes": {"referenceId": "t2"}, "id": "t2", "name": "U"}]}}]}""",
        "name: fuzzed\nsource: { type: push, keyField: id }\ntarget: { type: collect }\ntrigger: { push: true, manual: false }\n",
    ];

    private static readonly string[] Tokens =
    [
        "\\ud800", "\\udc00", "\\u0000", "\"", "\\", "{", "}", "[", "]", ",", ":", "null", "true", "1e999", "-0", "123456789012345678901234567890",
        "\"@{a.id}\"", "\"/api/v1/%63omposite/batch\"", "\"/api/v1/links/%2e%2e/composite/batch\"", "\"..\"", "\"records\"", "\"attributes\"",
        "\"referenceId\"", "\"parentField\"", "\"DELETE\"", "é", "😀", "\t", "\n", "\u2025", "${env:HOME}", "&anchor", "*anchor", "!!binary", "---",
    ];

    private static readonly string[] Keys =
    [
        "id", "name", "phone", "parent_id", "records", "batchRequests", "compositeRequest", "method", "url", "body", "referenceId", "attributes",
        "parentField", "haltOnError", "allOrNone", "source", "target", "type",
    ];

    [Fact]
    public async Task RandomBodies_ToPushCompositeTreeAndLinkEndpoints_NeverAnswer5xx_AndRefusalsStoreNothing()
    {
        // The rate limit is off here only so that every case reaches the endpoint (a 429 would be a correct but useless answer).
        await using var fixture = await CompositeFixture.StartAsync(configure: options =>
        {
            options.RateLimit = null;
            options.MaxBodyBytes = 16 * 1024;
        });
        using var client = fixture.Server.Client(fixture.Server.AcmeKey);
        var accepted = 0;
        var gen = Gen.Select(Gen.Int[0, Paths.Length - 1], Gen.Int[0, 2], Gen.Int);

        await gen.SampleAsync(async (endpoint, kind, seed) =>
        {
            var body = Body(endpoint, kind, seed);
            var before = await CountsAsync(fixture);
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(endpoint == 5 ? "application/yaml" : "application/json");
            using var request = new HttpRequestMessage(endpoint == 5 ? HttpMethod.Put : HttpMethod.Post, Paths[endpoint]) { Content = content };
            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            var answer = await response.Content.ReadAsStringAsync();

            status.ShouldBeLessThan(500, $"{request.Method} {Paths[endpoint]} answered {status}: {answer}");
            if (status >= 400)
                (await CountsAsync(fixture)).ShouldBe(before, $"{request.Method} {Paths[endpoint]} was refused ({status}: {answer}) but stored something");
            else
                Interlocked.Increment(ref accepted);
        }, iter: Cases, threads: 1, print: t => $"{Paths[t.Item1]} kind {t.Item2}: {Printable(Body(t.Item1, t.Item2, t.Item3))}");

        accepted.ShouldBeGreaterThan(0, "no case was ever accepted: the generator does not reach the endpoints' real work");
    }

    /// <summary>0: random bytes; 1: random JSON (or YAML-ish text for links); 2: a valid body, mutated a few times.</summary>
    private static byte[] Body(int endpoint, int kind, int seed)
    {
        var random = new Random(seed);
        switch (kind)
        {
            case 0:
                var bytes = new byte[random.Next(0, 300)];
                random.NextBytes(bytes);
                return bytes;
            case 1:
                var json = new StringBuilder();
                Json(random, json, 0);
                return Encoding.UTF8.GetBytes(json.ToString());
            default:
                var text = new StringBuilder(Valid[endpoint == 1 ? 1 : endpoint]);
                for (var i = random.Next(0, 4); i > 0; i--)
                {
                    var at = random.Next(0, text.Length + 1);
                    switch (random.Next(4))
                    {
                        case 0: text.Insert(at, Tokens[random.Next(Tokens.Length)]); break;
                        case 1: text.Remove(Math.Min(at, text.Length - 1), Math.Min(random.Next(1, 8), text.Length - Math.Min(at, text.Length - 1))); break;
                        case 2: text.Insert(at, text.ToString(random.Next(0, text.Length), 1)); break;
                        default: text.Insert(at, (char)random.Next(0, 128)); break;
                    }
                }
                var mutated = Encoding.UTF8.GetBytes(text.ToString());
                if (random.Next(8) == 0 && mutated.Length > 0)
                    mutated[random.Next(mutated.Length)] = (byte)random.Next(0x80, 0x100); // a stray non-UTF-8 byte
                return mutated;
        }
    }

    private static void Json(Random random, StringBuilder json, int depth)
    {
        switch (random.Next(depth > 4 ? 3 : 6))
        {
            case 0:
                json.Append(new[] { "0", "-1", "1.5", "1e999", "-0", "123456789012345678901234567890", "01" }[random.Next(7)]);
                break;
            case 1:
                json.Append('"');
                for (var i = random.Next(0, 4); i > 0; i--)
                    json.Append(random.Next(3) == 0 ? Tokens[random.Next(Tokens.Length)].Trim('"') : Keys[random.Next(Keys.Length)]);
                json.Append('"');
                break;
            case 2:
                json.Append(new[] { "true", "false", "null" }[random.Next(3)]);
                break;
            case 3:
                json.Append('[');
                for (var i = random.Next(0, 4); i > 0; i--)
                {
                    Json(random, json, depth + 1);
                    if (i > 1)
                        json.Append(',');
                }
                json.Append(']');
                break;
            default:
                json.Append('{');
                for (var i = random.Next(0, 5); i > 0; i--)
                {
                    json.Append('"').Append(Keys[random.Next(Keys.Length)]).Append("\":");
                    Json(random, json, depth + 1);
                    if (i > 1)
                        json.Append(',');
                }
                json.Append('}');
                break;
        }
    }

    private static string Printable(byte[] body) => string.Concat(body.Select(b => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:X2}"));

    /// <summary>
    /// The stored counts, once async pushes accepted earlier have finished (so their writes are not counted against the
    /// next case): runs, record outcomes, pushes, the server's links, and the target's rows.
    /// </summary>
    private static async Task<(long Runs, long Outcomes, long Pushes, long Links, int Rows)> CountsAsync(CompositeFixture fixture)
    {
        (long Runs, long Outcomes, long Pushes, long Links, long InFlight) state = default;
        await ServerHarness.EventuallyAsync(() =>
        {
            using var connection = new SqliteConnection($"Data Source={fixture.Server.Options.DatabasePath};Mode=ReadOnly");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT (SELECT COUNT(*) FROM runs), (SELECT COUNT(*) FROM record_outcomes), (SELECT COUNT(*) FROM pushes), (SELECT COUNT(*) FROM server_links),
                       (SELECT COUNT(*) FROM runs WHERE status = 'Running') + (SELECT COUNT(*) FROM pushes WHERE run_id IS NULL)
                """;
            using var reader = command.ExecuteReader();
            reader.Read();
            state = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
            return Task.FromResult(state.InFlight == 0);
        }, "runs in flight to end");
        return (state.Runs, state.Outcomes, state.Pushes, state.Links, fixture.Rows().Count);
    }
}
