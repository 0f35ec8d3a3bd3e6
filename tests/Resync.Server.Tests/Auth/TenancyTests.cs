using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Resync.Server.Tests.Auth;

public sealed class TenancyTests
{
    private const string SecretLink = """
        name: globex-api
        tenant: globex
        source:
          type: http
          url: https://api.globex.example/contacts
          auth:
            type: bearer
            token: s3cr3t-globex-token
        target: { type: collect }
        """;

    [Fact]
    public async Task ForeignTenantKey_Gets404_OnEveryRouteWithAnId()
    {
        await using var server = await ServerHarness.StartAsync();
        // Globex owns a push link and a run; acme's key asks for them on every route of the API.
        var runId = await server.PushedRunAsync(server.GlobexKey, "globex-push", count: 3);
        using var globex = server.Client(server.GlobexKey);
        using var pushedAsync = await globex.PostAsync("/api/v1/links/globex-push/push?mode=async", ServerHarness.Json(ServerHarness.Contacts(1)));
        var pushId = (await ServerHarness.JsonAsync(pushedAsync))["pushId"]!.GetValue<long>();
        var globexKeyPrefix = server.GlobexKey[..12];
        // And an incomplete run: a pull whose target goes down at the second batch.
        var incompleteId = await ServerHarness.CreateIncompleteRunAsync(server, server.GlobexKey, "globex-pull");
        // And an alert route.
        using var route = await globex.PostAsync("/api/v1/alert-routes",
            ServerHarness.Json("""{"name":"globex ops","url":"http://127.0.0.1:9/hook"}"""));
        route.StatusCode.ShouldBe(HttpStatusCode.Created);
        var routeId = (await ServerHarness.JsonAsync(route))["route"]!["id"]!.ToString();

        var endpoints = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/v1", StringComparison.Ordinal)).ToList();
        endpoints.Count.ShouldBeGreaterThan(20);
        using var acme = server.Client(server.AcmeKey);
        var walked = 0;
        foreach (var endpoint in endpoints)
        {
            var pattern = endpoint.RoutePattern;
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods;
            var path = pattern.RawText!;
            var isOperatorOnly = path.StartsWith("/api/v1/keys", StringComparison.Ordinal);
            if (pattern.Parameters.Count == 0 && !isOperatorOnly)
                continue; // lists: checked below, they show only the caller's own objects
            foreach (var parameter in pattern.Parameters)
            {
                var value = parameter.Name switch
                {
                    "linkId" => "globex-push",
                    "runId" => runId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "prefix" => globexKeyPrefix,
                    "incompleteId" => incompleteId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "routeId" => routeId,
                    "pushId" => pushId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "index" => "0",
                    _ => "1",
                };
                path = System.Text.RegularExpressions.Regex.Replace(path, "\\{" + parameter.Name + "[^}]*\\}", value);
            }
            foreach (var method in methods)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method is "POST" or "PUT")
                    request.Content = new StringContent(method == "PUT" && path.EndsWith("globex-push", StringComparison.Ordinal) ? "name: globex-push" : "{}", Encoding.UTF8,
                        method == "PUT" && path.EndsWith("globex-push", StringComparison.Ordinal) ? "application/yaml" : "application/json");
                using var response = await acme.SendAsync(request);
                ((int)response.StatusCode).ShouldBe(404, $"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json", $"{method} {path}");
                walked++;
            }
        }
        walked.ShouldBeGreaterThan(20);

        // Lists show acme nothing of globex.
        foreach (var list in new[] { "/api/v1/links", "/api/v1/runs", "/api/v1/incomplete-runs?status=all" })
        {
            using var response = await acme.GetAsync(list);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await ServerHarness.JsonAsync(response))["items"]!.AsArray().ShouldBeEmpty(list);
        }
        // Bulk actions naming globex's incomplete run refuse it as not found, and leave it alone.
        foreach (var bulk in new[] { "retry", "discard" })
        {
            using var response = await acme.PostAsync($"/api/v1/incomplete-runs/{bulk}",
                ServerHarness.Json($"{{\"ids\":[{incompleteId}]}}"));
            response.IsSuccessStatusCode.ShouldBeTrue(bulk);
            var answer = await ServerHarness.JsonAsync(response);
            answer["accepted"]!.AsArray().ShouldBeEmpty(bulk);
            answer["refused"]![0]!["code"]!.GetValue<string>().ShouldBe("not-found", bulk);
        }
        using (var all = await acme.PostAsync("/api/v1/incomplete-runs/discard", ServerHarness.Json("""{"all":true}""")))
            (await ServerHarness.JsonAsync(all))["accepted"]!.AsArray().ShouldBeEmpty();

        // And globex's own key still sees its run and its incomplete run, still open: the 404s were about the tenant, not the objects.
        using var own = await globex.GetAsync($"/api/v1/runs/{runId}");
        own.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var ownIncomplete = await globex.GetAsync($"/api/v1/incomplete-runs/{incompleteId}");
        ownIncomplete.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ServerHarness.JsonAsync(ownIncomplete))["incompleteRun"]!["status"]!.GetValue<string>().ShouldBe("Scheduled");
    }

    [Fact]
    public async Task RevokedKey_IsRefused_AndMissingKeyToo()
    {
        await using var server = await ServerHarness.StartAsync();
        using var op = server.Client(server.OperatorKey);
        using var created = await op.PostAsync("/api/v1/keys", ServerHarness.Json("""{"scope":"tenant","tenant":"acme","name":"ci"}"""));
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await ServerHarness.JsonAsync(created);
        var key = body["key"]!.GetValue<string>();
        var prefix = body["details"]!["prefix"]!.GetValue<string>();
        using var client = server.Client(key);
        (await client.GetAsync("/api/v1/links")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await op.DeleteAsync($"/api/v1/keys/{prefix}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        using var refused = await client.GetAsync("/api/v1/links");
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ServerHarness.JsonAsync(refused))["code"]!.GetValue<string>().ShouldBe("unauthorized");
        using var anonymous = server.Client(null);
        (await anonymous.GetAsync("/api/v1/runs")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await anonymous.GetAsync("/openapi/v1.json")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task KeysAndLinkCredentials_AreNotStoredInClear_AndCredentialsAreNeverReturned()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.GlobexKey, "globex-api", SecretLink);
        using var globex = server.Client(server.GlobexKey);
        using var link = await globex.GetAsync("/api/v1/links/globex-api");
        var text = await link.Content.ReadAsStringAsync();
        link.StatusCode.ShouldBe(HttpStatusCode.OK);
        text.ShouldNotContain("s3cr3t-globex-token");
        text.ShouldContain("********");
        text.ShouldContain("api.globex.example");

        await server.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var state = string.Join("\n", Directory.EnumerateFiles(server.Folder, "state.db*").Select(file => Encoding.Latin1.GetString(File.ReadAllBytes(file))));
        state.ShouldContain("globex-api"); // the link is there...
        state.ShouldNotContain("s3cr3t-globex-token"); // ...but its document is encrypted
        foreach (var key in new[] { server.OperatorKey, server.AcmeKey, server.GlobexKey })
        {
            state.ShouldContain(key[..12]); // the visible prefix
            state.ShouldNotContain(key[13..]); // never the secret part
        }
    }
}
