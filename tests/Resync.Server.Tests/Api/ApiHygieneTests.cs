using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Resync.Server.Tests.Api;

public sealed class ApiHygieneTests
{
    [Fact]
    public async Task KeyOverItsRateLimit_Gets429WithRetryAfter_OtherKeysGoOn()
    {
        // Three requests, then one more per hour: the fourth is over, whatever the machine's speed.
        await using var server = await ServerHarness.StartAsync(configure: options => options.RateLimit = new ApiRateLimit(3, 1, TimeSpan.FromHours(1)));
        using var acme = server.Client(server.AcmeKey);
        for (var i = 0; i < 3; i++)
            (await acme.GetAsync("/api/v1/runs")).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var limited = await acme.GetAsync("/api/v1/runs");

        limited.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        limited.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var seconds = int.Parse(limited.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
        seconds.ShouldBeInRange(1, 3600);
        var problem = await ServerHarness.JsonAsync(limited);
        problem["code"]!.GetValue<string>().ShouldBe("rate-limited");
        problem["retryAfter"]!.GetValue<int>().ShouldBe(seconds);
        problem["detail"]!.GetValue<string>().ShouldContain(server.AcmeKey[..12]);
        using var globex = server.Client(server.GlobexKey);
        (await globex.GetAsync("/api/v1/runs")).StatusCode.ShouldBe(HttpStatusCode.OK);
        // Requests with a forged key do not spend acme's budget, nor are they counted as acme's.
        using var forged = server.Client(server.GlobexKey[..13] + new string('A', 43));
        (await forged.GetAsync("/api/v1/runs")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task DefaultRateLimit_IsDocumentedAndOn()
    {
        new ServerOptions().RateLimit.ShouldBe(ApiRateLimit.Default);
        ApiRateLimit.Default.ShouldBe(new ApiRateLimit(10_000, 10_000, TimeSpan.FromSeconds(1)));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => ServerHarness.StartAsync(configure: options => options.RateLimit = new ApiRateLimit(0, 1, TimeSpan.FromSeconds(1))));
    }

    [Theory]
    [InlineData(null, "Bearer realm=\"resync\"")]
    [InlineData("rsk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "Bearer realm=\"resync\", error=\"invalid_token\"")]
    public async Task Unauthorized_AnswersAWwwAuthenticateChallenge(string? key, string challenge)
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(key);
        using var response = await client.GetAsync("/api/v1/links");
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().ShouldBe(challenge);
        (await ServerHarness.JsonAsync(response))["code"]!.GetValue<string>().ShouldBe("unauthorized");
    }

    [Fact]
    public async Task RequestId_IsEchoedOnEveryAnswer_AndAGeneratedOneReachesTheRun()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.AddContactsPushLinkAsync();
        using var acme = server.Client(server.AcmeKey);
        foreach (var (path, key, status) in new[] { ("/health", null, 200), ("/api/v1/links", server.AcmeKey, 200), ("/api/v1/links/nope", server.AcmeKey, 404), ("/api/v1/links", null, 401) })
        {
            using var client = server.Client(key);
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-Request-Id", "req-echo-1");
            using var response = await client.SendAsync(request);
            ((int)response.StatusCode).ShouldBe(status, path);
            response.Headers.GetValues("X-Request-Id").Single().ShouldBe("req-echo-1", path);
        }

        // None sent: the server makes one, answers with it, and the run carries it.
        using var pushed = await acme.PostAsync("/api/v1/links/contacts-push/push", ServerHarness.Json(ServerHarness.Contacts(1)));
        pushed.StatusCode.ShouldBe(HttpStatusCode.OK);
        var generated = pushed.Headers.GetValues("X-Request-Id").Single();
        generated.ShouldStartWith("req-");
        var run = await ServerHarness.JsonAsync(await acme.GetAsync($"/api/v1/runs/{(await ServerHarness.JsonAsync(pushed))["runId"]}"));
        run["requestId"]!.GetValue<string>().ShouldBe(generated);
        using var other = await acme.GetAsync("/api/v1/links");
        other.Headers.GetValues("X-Request-Id").Single().ShouldNotBe(generated);
    }

    [Theory]
    [InlineData(201)]
    [InlineData(0)]
    public async Task RequestId_TooLongOrNotPrintable_Is400_NamingTheHeader(int length)
    {
        await using var server = await ServerHarness.StartAsync();
        using var acme = server.Client(server.AcmeKey);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/links");
        request.Headers.TryAddWithoutValidation("X-Request-Id", length == 0 ? "req\u007f1" : new string('r', length));
        using var response = await acme.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await ServerHarness.JsonAsync(response);
        problem["code"]!.GetValue<string>().ShouldBe("invalid-request-id");
        problem["detail"]!.GetValue<string>().ShouldContain(response.Headers.GetValues("X-Request-Id").Single());
    }

    [Fact]
    public async Task EveryListRoute_RefusesBadPaging_NamingTheParameter()
    {
        await using var server = await ServerHarness.StartAsync();
        var runId = (await server.PushedRunAsync(server.AcmeKey, "acme-push", count: 2)).ToString(CultureInfo.InvariantCulture);
        using var acme = server.Client(server.AcmeKey);
        var incompleteId = (await ServerHarness.CreateIncompleteRunAsync(server, server.AcmeKey, "acme-pull")).ToString(CultureInfo.InvariantCulture);
        using var route = await acme.PostAsync("/api/v1/alert-routes", ServerHarness.Json("""{"name":"ops","url":"http://127.0.0.1:9/hook"}"""));
        var routeId = (await ServerHarness.JsonAsync(route))["route"]!["id"]!.ToString();
        using var operatorClient = server.Client(server.OperatorKey);

        // Every GET route that answers a page (items, offset, limit), or a document holding one, is a list route; each must check its paging.
        var lists = new List<string>();
        foreach (var endpoint in server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var path = endpoint.RoutePattern.RawText!;
            if (!path.StartsWith("/api/v1", StringComparison.Ordinal) || endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("GET") != true
                || endpoint.Metadata.OfType<IProducesResponseTypeMetadata>().Any(produces => produces.ContentTypes.Contains("text/event-stream")))
                continue;
            foreach (var (name, value) in new[] { ("linkId", "acme-push"), ("runId", runId), ("incompleteId", incompleteId), ("routeId", routeId), ("deliveryId", "1"), ("prefix", "x") })
                path = Regex.Replace(path, "\\{" + name + "[^}]*\\}", value);
            using var plain = await operatorClient.GetAsync(path);
            var text = await plain.Content.ReadAsStringAsync();
            if (!plain.IsSuccessStatusCode || !text.StartsWith('{'))
                continue;
            var answer = System.Text.Json.Nodes.JsonNode.Parse(text)!;
            if (answer["items"] is null && answer["records"]?["items"] is null)
                continue; // not a page, nor a document holding one
            lists.Add(path);
            foreach (var (query, parameter) in new[] { ("limit=0", "limit"), ("limit=-1", "limit"), ("limit=1001", "limit"), ("limit=ten", "limit"), ("offset=-1", "offset"), ("offset=x", "offset"), ("offset=99999999999", "offset") })
            {
                using var response = await operatorClient.GetAsync(path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query);
                response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{path}?{query}");
                var problem = await ServerHarness.JsonAsync(response);
                problem["code"]!.GetValue<string>().ShouldBe("invalid-paging", $"{path}?{query}");
                problem["parameter"]!.GetValue<string>().ShouldBe(parameter, $"{path}?{query}");
            }
        }
        lists.Order().ShouldBe([
            "/api/v1/alert-routes/", $"/api/v1/alert-routes/{routeId}/deliveries", "/api/v1/breakers/", $"/api/v1/incomplete-runs/", $"/api/v1/incomplete-runs/{incompleteId}", "/api/v1/links/",
            "/api/v1/runs/", $"/api/v1/runs/{runId}/batches", $"/api/v1/runs/{runId}/callbacks", $"/api/v1/runs/{runId}/records",
        ], ignoreOrder: true);
    }
}
