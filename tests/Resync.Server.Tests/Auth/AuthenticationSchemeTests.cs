using System.Net.Http.Headers;

namespace Resync.Server.Tests.Auth;

/// <summary>
/// The API's authentication schemes and policies as an attacker tries them: revoked keys, tenant keys on the operator's
/// routes, malformed headers, two credentials in one request, an embedded-view token passed off as a key and back.
/// </summary>
public sealed class AuthenticationSchemeTests
{
    private const string InvalidToken = "Bearer realm=\"resync\", error=\"invalid_token\"";

    [Fact]
    public async Task RevokedKey_InEitherHeader_Gets401InvalidToken()
    {
        await using var server = await ServerHarness.StartAsync();
        var (prefix, key) = await CreateKeyAsync(server, "acme");
        (await SendAsync(server, "/api/v1/runs", bearer: key)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var op = server.Client(server.OperatorKey))
            (await op.DeleteAsync($"/api/v1/keys/{prefix}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        foreach (var response in new[] { await SendAsync(server, "/api/v1/runs", bearer: key), await SendAsync(server, "/api/v1/runs", header: key) })
        {
            using (response)
            {
                response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
                response.Headers.WwwAuthenticate.ToString().ShouldBe(InvalidToken);
                response.Headers.Contains("X-Request-Id").ShouldBeTrue("a refusal is answered like every other error");
                var problem = await ServerHarness.JsonAsync(response);
                problem["code"]!.GetValue<string>().ShouldBe("unauthorized");
                problem["detail"]!.GetValue<string>().ShouldBe("The API key is not valid: unknown, malformed or revoked.");
            }
        }
    }

    [Fact]
    public async Task KeyRevokedByAnotherProcess_IsRefusedOnceApiKeyCacheDurationHasPassed()
    {
        var clock = new Resync.Testing.ManualTimeProvider();
        await using var server = await ServerHarness.StartAsync(clock);
        var (prefix, key) = await CreateKeyAsync(server, "acme");
        (await SendAsync(server, "/api/v1/runs", bearer: key)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The CLI's `resync keys revoke` beside the running server: its own store on the same state file.
        await using (var runs = new Resync.Storage.Sqlite.SqliteRunStore(server.Options.DatabasePath))
        {
            var store = new Resync.Storage.Sqlite.SqliteServerStore(runs);
            await store.InitializeAsync(CancellationToken.None);
            (await new Resync.Server.Auth.ApiKeyService(store, TimeProvider.System).RevokeAsync(prefix, CancellationToken.None)).ShouldBeTrue();
        }

        (await SendAsync(server, "/api/v1/runs", bearer: key)).StatusCode.ShouldBe(HttpStatusCode.OK, "the server remembers a valid key for ApiKeyCacheDuration");
        clock.Advance(server.Options.ApiKeyCacheDuration);
        (await SendAsync(server, "/api/v1/runs", bearer: key)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TenantKey_OnTheOperatorsRoutes_IsNotFound_AndChangesNothing()
    {
        await using var server = await ServerHarness.StartAsync();
        var globexPrefix = server.GlobexKey[..12];
        var routes = new (HttpMethod Method, string Path, string Detail)[]
        {
            (HttpMethod.Get, "/metrics", "There is no route '/metrics'."),
            (HttpMethod.Get, "/api/v1/keys", "There is no resource 'keys'."),
            (HttpMethod.Post, "/api/v1/keys", "There is no resource 'keys'."),
            (HttpMethod.Delete, $"/api/v1/keys/{globexPrefix}", $"There is no key '{globexPrefix}'."),
        };

        foreach (var (method, path, detail) in routes)
        {
            using var request = new HttpRequestMessage(method, path);
            if (method == HttpMethod.Post)
                request.Content = ServerHarness.Json("""{"scope":"operator","name":"mine now"}""");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.AcmeKey);
            using var client = server.Client(null);
            using var response = await client.SendAsync(request);

            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, $"{method} {path}");
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            (await ServerHarness.JsonAsync(response))["detail"]!.GetValue<string>().ShouldBe(detail);
        }
        (await SendAsync(server, "/api/v1/runs", bearer: server.GlobexKey)).StatusCode.ShouldBe(HttpStatusCode.OK, "globex's key was not revoked");
        using var op = server.Client(server.OperatorKey);
        (await op.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var keys = await ServerHarness.JsonAsync(await op.GetAsync("/api/v1/keys"));
        keys.AsArray().Count.ShouldBe(3, "acme made no key");
    }

    [Theory]
    [InlineData("Basic YWRtaW46YWRtaW4=", "Bearer realm=\"resync\"", "No API key")]
    [InlineData("Bearer", "Bearer realm=\"resync\"", "No API key")]
    [InlineData("Bearer rsk_0000", InvalidToken, "not valid")]
    [InlineData("Bearer rsk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA, Bearer x", InvalidToken, "not valid")]
    [InlineData("Embed", "Bearer realm=\"resync\"", "No API key")]
    [InlineData("Embed not-a-token", "", "not made by this server")]
    public async Task MalformedAuthorization_Gets401NamingWhatIsWrong(string authorization, string challenge, string detail)
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/runs");
        request.Headers.TryAddWithoutValidation("Authorization", authorization).ShouldBeTrue();

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, authorization);
        response.Headers.WwwAuthenticate.ToString().ShouldBe(challenge, authorization);
        (await ServerHarness.JsonAsync(response))["detail"]!.GetValue<string>().ShouldContain(detail, Case.Sensitive, authorization);
    }

    [Fact]
    public async Task KeyInBothHeaders_TheSameKeyPasses_TwoDifferentKeysAreRefused()
    {
        await using var server = await ServerHarness.StartAsync();

        (await SendAsync(server, "/api/v1/runs", bearer: server.AcmeKey, header: server.AcmeKey)).StatusCode.ShouldBe(HttpStatusCode.OK);
        // A tenant key beside an operator key (say, one added by a proxy) gets neither's rights.
        foreach (var (bearer, header) in new[] { (server.AcmeKey, server.OperatorKey), (server.OperatorKey, server.AcmeKey), (server.AcmeKey, server.GlobexKey) })
        {
            using var response = await SendAsync(server, "/api/v1/keys", bearer: bearer, header: header);
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            response.Headers.WwwAuthenticate.ToString().ShouldBe(InvalidToken);
            (await ServerHarness.JsonAsync(response))["detail"]!.GetValue<string>().ShouldContain("X-Api-Key and a different Authorization header");
        }
    }

    [Fact]
    public async Task EmbedToken_UsedAsAKey_OrBesideOne_IsRefused_AndAKeyIsNoEmbedToken()
    {
        await using var server = await ServerHarness.StartAsync();
        using var acme = server.Client(server.AcmeKey);
        using var created = await acme.PostAsync("/api/v1/embed-tokens", ServerHarness.Json("""{"permission":"retry"}"""));
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var token = (await ServerHarness.JsonAsync(created))["token"]!.GetValue<string>();
        (await SendAsync(server, "/api/v1/runs", embed: token)).StatusCode.ShouldBe(HttpStatusCode.OK, "the token works as a token");

        (await SendAsync(server, "/api/v1/runs", bearer: token)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "a token is no key");
        (await SendAsync(server, "/api/v1/runs", header: token)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "a token is no key");
        (await SendAsync(server, "/api/v1/keys", embed: token, header: server.OperatorKey)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "two credentials");
        (await SendAsync(server, "/api/v1/runs", embed: server.AcmeKey)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "a key is no token");
        foreach (var path in new[] { "/metrics", "/api/v1/keys", "/api/v1/links" })
            (await SendAsync(server, path, embed: token)).StatusCode.ShouldBe(HttpStatusCode.NotFound, $"{path} is no route of the embedded view");
    }

    [Fact]
    public async Task ApiAnswers_AreNeverSniffedAsHtml()
    {
        await using var server = await ServerHarness.StartAsync();
        foreach (var key in new[] { server.AcmeKey, null })
        {
            using var response = await SendAsync(server, "/api/v1/runs", bearer: key);
            response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);
        }
    }

    private static async Task<(string Prefix, string Key)> CreateKeyAsync(ServerHarness server, string tenant)
    {
        using var op = server.Client(server.OperatorKey);
        using var created = await op.PostAsync("/api/v1/keys", ServerHarness.Json($$"""{"scope":"tenant","tenant":"{{tenant}}","name":"ci"}"""));
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await ServerHarness.JsonAsync(created);
        return (body["details"]!["prefix"]!.GetValue<string>(), body["key"]!.GetValue<string>());
    }

    private static async Task<HttpResponseMessage> SendAsync(ServerHarness server, string path, string? bearer = null, string? header = null, string? embed = null)
    {
        using var client = server.Client(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null)
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        if (embed is not null)
            request.Headers.TryAddWithoutValidation("Authorization", "Embed " + embed);
        if (header is not null)
            request.Headers.TryAddWithoutValidation("X-Api-Key", header);
        return await client.SendAsync(request);
    }
}
