using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Resync.Testing.Http;

namespace Resync.Server.Tests.Security;

/// <summary>
/// A canary secret in every kind of credential a link can carry never shows: not in any API answer, not in the server's log,
/// not in clear in the state file.
/// </summary>
public sealed class SecretCanaryTests
{
    private const string Canary = "CANARY7f3a";

    [Fact]
    public async Task CanarySecret_InEveryKindOfCredential_NeverAppearsInAnswersLogsOrTheStateFile()
    {
        await using var api = await FakeApi.StartAsync((context, _) => FakeApi.Json(context, new { error = "down" }, 500));
        var closedPort = ClosedPort();
        var links = new Dictionary<string, string>
        {
            ["pg-password"] = $"source: {{ type: postgres, connectionString: \"Host=127.0.0.1;Port={closedPort};Username=u;Password={Canary}-1;Database=x;Timeout=3\", table: t, keyColumn: id }}\ntarget: {{ type: collect }}",
            ["pg-pwd"] = $"source: {{ type: postgres, connectionString: \"host=127.0.0.1;port={closedPort};user id=u;PWD='{Canary}-2';database=x;timeout=3\", table: t, keyColumn: id }}\ntarget: {{ type: collect }}",
            ["url-userinfo"] = $"source: {{ type: http, url: \"http://svc:{Canary}-3@{api.Url[7..]}/items\" }}\ntarget: {{ type: collect }}",
            ["bearer"] = $"source: {{ type: push }}\ntarget: {{ type: http, url: \"{api.Url}/contacts\", auth: {{ type: bearer, token: {Canary}-4 }} }}\ntrigger: {{ push: true }}",
            ["basic"] = $"source: {{ type: push }}\ntarget: {{ type: http, url: \"{api.Url}/contacts\", auth: {{ type: basic, user: svc, password: {Canary}-5 }} }}\ntrigger: {{ push: true }}",
            ["api-key"] = $"source: {{ type: push }}\ntarget: {{ type: http, url: \"{api.Url}/contacts\", auth: {{ type: apiKey, header: X-Api-Key, key: {Canary}-6 }} }}\ntrigger: {{ push: true }}",
            ["header"] = $"source: {{ type: push }}\ntarget: {{ type: http, url: \"{api.Url}/contacts\", headers: {{ Authorization: \"Token {Canary}-7\" }} }}\ntrigger: {{ push: true }}",
            ["target-userinfo"] = $"source: {{ type: push }}\ntarget: {{ type: http, url: \"http://svc:{Canary}-8@{api.Url[7..]}/contacts\" }}\ntrigger: {{ push: true }}",
        };
        await using var server = await ServerHarness.StartAsync();
        using var acme = server.Client(server.AcmeKey);
        var answers = new StringBuilder();

        foreach (var (id, body) in links)
        {
            await server.PutLinkAsync(server.AcmeKey, id, $"name: {id}\n{body}\nsettings: {{ retry: {{ attempts: 1 }} }}\n");
            if (body.StartsWith("source: { type: push", StringComparison.Ordinal))
            {
                using var push = await acme.PostAsync($"/api/v1/links/{id}/push", ServerHarness.Json("""[{"id":"1","name":"a"}]"""));
                answers.AppendLine(await push.Content.ReadAsStringAsync());
                continue;
            }
            using var started = await acme.PostAsync($"/api/v1/links/{id}/runs", null);
            var start = await started.Content.ReadAsStringAsync();
            started.StatusCode.ShouldBe(HttpStatusCode.Accepted, start);
            answers.AppendLine(start);
            var statusUrl = JsonNode.Parse(start)!["statusUrl"]!.GetValue<string>();
            await ServerHarness.EventuallyAsync(async () => (await GetAsync(acme, statusUrl))["status"]!.GetValue<string>() != "Running", $"the run of {id} to end");
        }

        // An alert route with userinfo is refused (route URLs are stored as they are), without echoing it.
        using (var route = await acme.PostAsync("/api/v1/alert-routes", ServerHarness.Json(
            $$"""{"name":"ops","url":"http://hook:{{Canary}}-9@127.0.0.1:9/hook"}""")))
        {
            route.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            answers.AppendLine(await route.Content.ReadAsStringAsync());
        }
        answers.AppendLine(await TextAsync(acme, "/api/v1/alert-routes"));

        // Every answer that can show a link, a run or an error.
        foreach (var id in links.Keys)
            answers.AppendLine(await TextAsync(acme, $"/api/v1/links/{id}"));
        answers.AppendLine(await TextAsync(acme, "/api/v1/links"));
        var runs = await GetAsync(acme, "/api/v1/runs?limit=100");
        runs["items"]!.AsArray().Count.ShouldBe(links.Count);
        // Every run failed (and said why), so its errors are among the answers.
        runs["items"]!.AsArray().ShouldAllBe(run => run!["status"]!.GetValue<string>() != "Succeeded");
        answers.AppendLine(runs.ToJsonString());
        foreach (var run in runs["items"]!.AsArray())
        {
            var self = $"/api/v1/runs/{run!["id"]}";
            foreach (var suffix in new[] { "", "/errors", "/error-groups", "/batches", "/records?outcome=all" })
                answers.AppendLine(await TextAsync(acme, self + suffix));
        }
        answers.AppendLine(await TextAsync(acme, "/api/v1/incomplete-runs?status=all"));

        var shown = answers.ToString();
        shown.ShouldNotContain(Canary, Case.Sensitive, Around(shown));
        shown.ShouldContain("********"); // the credentials are there, masked
        server.Logs.Lines.Where(line => line.Message.Contains(Canary, StringComparison.Ordinal)).ShouldBeEmpty();

        await server.StopAsync();
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(server.Folder, "state.db*"))
            Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file)).ShouldNotContain(Canary, Case.Sensitive, file);
    }

    /// <summary>Where the canary shows, for the failure message.</summary>
    private static string Around(string text) =>
        string.Join(Environment.NewLine + "---" + Environment.NewLine, System.Text.RegularExpressions.Regex.Matches(text, Canary)
            .Select(match => text.Substring(Math.Max(0, match.Index - 300), Math.Min(text.Length - Math.Max(0, match.Index - 300), 400))));

    private static async Task<string> TextAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<JsonNode> GetAsync(HttpClient client, string url) => JsonNode.Parse(await TextAsync(client, url))!;

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
