using System.Net.Sockets;

namespace Resync.Server.Tests.Breakers;

/// <summary>The connections' breakers in the API and the health answer: two links on one dead server (real loopback ports).</summary>
public sealed class BreakerEndpointTests
{
    private static string HttpLink(string id, int port) => $$"""
        name: {{id}}
        source: { type: http, url: "http://127.0.0.1:{{port}}/{{id}}" }
        target: { type: collect }
        settings: { retry: { attempts: 1 } }
        """;

    [Fact]
    public async Task TwoLinksOnOneDeadServer_OpenTheTenantsBreaker_ShownToItsTenantOnly_AndTheHealthAnswerIsDegraded()
    {
        var dead = ClosedPort();
        await using var server = await ServerHarness.StartAsync(configure: options => options.BreakerMinimumCalls = 2);
        await server.PutLinkAsync(server.AcmeKey, "contacts", HttpLink("contacts", dead));
        await server.PutLinkAsync(server.AcmeKey, "orders", HttpLink("orders", dead));
        using var acme = server.Client(server.AcmeKey);
        using var globex = server.Client(server.GlobexKey);
        using var operatorClient = server.Client(server.OperatorKey);
        using var anonymous = server.Client(null);

        using (var before = await anonymous.GetAsync("/health/ready"))
            (await ServerHarness.JsonAsync(before))["checks"]!["breakers"]!["status"]!.GetValue<string>().ShouldBe("Healthy");
        (await server.RunToEndAsync(server.AcmeKey, "contacts"))["status"]!.GetValue<string>().ShouldBe("Failed");
        (await server.RunToEndAsync(server.AcmeKey, "orders"))["status"]!.GetValue<string>().ShouldBe("Failed");

        var breaker = (await BreakersAsync(acme)).ShouldHaveSingleItem()!;
        breaker["tenant"]!.GetValue<string>().ShouldBe("acme");
        breaker["connection"]!.GetValue<string>().ShouldBe($"http://127.0.0.1:{dead}");
        breaker["state"]!.GetValue<string>().ShouldBe("open");
        breaker["openedAt"].ShouldNotBeNull();
        (await BreakersAsync(globex)).ShouldBeEmpty("another tenant's breakers are not in reach");
        (await BreakersAsync(operatorClient)).Count.ShouldBe(1);

        // A third run meets the open breaker: it fails fast, as a Connection error the link backs off from.
        var third = await server.RunToEndAsync(server.AcmeKey, "contacts");
        third["systemError"]!["code"]!.GetValue<string>().ShouldBe("CIRCUIT_OPEN");

        using var ready = await anonymous.GetAsync("/health/ready");
        ready.StatusCode.ShouldBe(HttpStatusCode.OK, "degraded, not unhealthy: the server works, a server it calls does not");
        var check = (await ServerHarness.JsonAsync(ready))["checks"]!["breakers"]!;
        check["status"]!.GetValue<string>().ShouldBe("Degraded");
        check["data"]!["open"]!.GetValue<int>().ShouldBe(1);
        check.ToJsonString().ShouldNotContain("acme", Case.Sensitive, "the health answer is public: it names no tenant");
        check.ToJsonString().ShouldNotContain(dead.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Breakers_WithoutAKey_Answer401()
    {
        await using var server = await ServerHarness.StartAsync();
        using var anonymous = server.Client(null);
        using var answer = await anonymous.GetAsync("/api/v1/breakers");
        answer.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private static async Task<JsonArray> BreakersAsync(HttpClient client)
    {
        using var answer = await client.GetAsync("/api/v1/breakers");
        answer.StatusCode.ShouldBe(HttpStatusCode.OK);
        return (await ServerHarness.JsonAsync(answer))["items"]!.AsArray();
    }

    /// <summary>A loopback port nothing listens on (bound, then released): connections to it are refused.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
