namespace Resync.Server.Tests.Api;

public sealed class OpenApiTests
{
    [Fact]
    public async Task Document_IsTitledResyncApi_WithTheApiKeySchemes_AndNamedSchemas()
    {
        await using var server = await ServerHarness.StartAsync();
        using var anonymous = server.Client(null);

        using var response = await anonymous.GetAsync("/openapi/v1.json");
        var document = (await ServerHarness.JsonAsync(response)).AsObject();

        document["info"]!["title"]!.GetValue<string>().ShouldBe("Resync API");
        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        schemes["ApiKey"]!["type"]!.GetValue<string>().ShouldBe("apiKey");
        schemes["ApiKey"]!["in"]!.GetValue<string>().ShouldBe("header");
        schemes["ApiKey"]!["name"]!.GetValue<string>().ShouldBe("X-Api-Key");
        schemes["Bearer"]!["scheme"]!.GetValue<string>().ShouldBe("bearer");
        var schemas = document["components"]!["schemas"]!.AsObject().Select(s => s.Key).ToList();
        schemas.ShouldNotContain(name => name.Contains("Anonymous", StringComparison.Ordinal), string.Join(", ", schemas));
        // Every /api/v1 operation asks for a key; /health and the document itself do not.
        var paths = document["paths"]!.AsObject();
        foreach (var (path, item) in paths)
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var security = operation!["security"]?.AsArray();
                if (path.StartsWith("/api/v1", StringComparison.Ordinal))
                    security.ShouldNotBeNull($"{method} {path} names no security").Count.ShouldBe(2);
                else
                    security.ShouldBeNull($"{method} {path}");
            }
        }
    }

    [Fact]
    public async Task ReferencePage_IsServedWithItsOwnAssets_NotFromACdn()
    {
        await using var server = await ServerHarness.StartAsync();
        using var anonymous = server.Client(null);

        using var page = await anonymous.GetAsync("/reference");
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();

        html.ShouldContain("\"url\":\"openapi/v1.json\"");
        html.ShouldContain("<title>Resync API</title>");
        html.ShouldNotContain("cdn.jsdelivr.net");
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "<script[^>]+src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        scripts.ShouldNotBeEmpty();
        foreach (var script in scripts)
        {
            script.ShouldNotStartWith("http", Case.Insensitive);
            using var asset = await anonymous.GetAsync(new Uri(new Uri(anonymous.BaseAddress!, "/reference/"), script));
            asset.StatusCode.ShouldBe(HttpStatusCode.OK, script);
            (await asset.Content.ReadAsByteArrayAsync()).Length.ShouldBeGreaterThan(1000);
        }
    }
}
