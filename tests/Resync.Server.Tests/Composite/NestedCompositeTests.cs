namespace Resync.Server.Tests.Composite;

/// <summary>A composite call cannot run another, nor anything but record operations and reads, however its URL is spelled.</summary>
public sealed class NestedCompositeTests
{
    public static TheoryData<string, string> NestedUrls => new()
    {
        { "POST", "/api/v1/composite/batch" },
        { "POST", "/api/v1/%63omposite/batch" },
        { "POST", "/api/v1/%2563omposite/batch" },
        { "POST", "/api/v1/links/%2e%2e/composite/batch" },
        { "POST", "/api/v1/links/%2E%2E/composite" },
        { "POST", "/api/v1/links/../composite/batch" },
        { "POST", "/api/v1/links/\u2025/composite/batch" },
        { "POST", "/api/v1/links/\uFF0E\uFF0E/composite/batch" },
        { "POST", "/api/v1/\uFF43omposite/batch" },
        { "POST", "/api/v1/links\\..\\composite/batch" },
        { "POST", "/api/v1//composite/batch" },
        { "POST", "/api/v1/Composite/tree/accounts" },
        { "POST", "/api/v1/links/accounts/runs" },
        { "DELETE", "/api/v1/links/accounts" },
        { "POST", "/api/v1/keys" },
    };

    [Theory]
    [MemberData(nameof(NestedUrls))]
    public async Task BatchOrComposite_WithANestedOrForbiddenUrl_Is400AtValidation_AndRunsNothing(string method, string url)
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var nested = new JsonObject
        {
            ["method"] = method,
            ["url"] = url,
            ["body"] = new JsonObject { ["batchRequests"] = new JsonArray(CompositeFixture.Create(null, "inner", "Inner")) },
        };
        foreach (var (path, json) in new[]
        {
            ("/api/v1/composite/batch", new JsonObject { ["batchRequests"] = new JsonArray(CompositeFixture.Create(null, "a1", "Outer"), nested) }),
            ("/api/v1/composite", new JsonObject { ["compositeRequest"] = new JsonArray(CompositeFixture.Create("first", "a1", "Outer"), Referenced(nested)) }),
        })
        {
            var (status, body) = await fixture.PostAsync(path, json.ToJsonString());

            status.ShouldBe(HttpStatusCode.BadRequest, body.ToJsonString());
            var error = body.AsArray().ShouldHaveSingleItem()!;
            error["errorCode"]!.GetValue<string>().ShouldBe("INVALID_URL");
            error["message"]!.GetValue<string>().ShouldStartWith("Subrequest 2: ");
        }
        fixture.Rows().ShouldBeEmpty();
        using var client = fixture.Server.Client(fixture.Server.AcmeKey);
        (await ServerHarness.JsonAsync(await client.GetAsync("/api/v1/runs")))["items"]!.AsArray().ShouldBeEmpty();
        (await ServerHarness.JsonAsync(await client.GetAsync("/api/v1/links/accounts"))).ShouldNotBeNull(); // still there
    }

    [Fact]
    public async Task ReferenceResolvingToADotSegment_FailsThatSubrequest_AndCallsNothingElse()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        // The first record's id is "..": referenced in the next URL it is escaped into one segment, and refused as a dot segment.
        var json = new JsonObject
        {
            ["compositeRequest"] = new JsonArray(
                CompositeFixture.Create("dots", "..", "Dots"),
                new JsonObject { ["method"] = "GET", ["url"] = "/api/v1/links/@{dots.id}", ["referenceId"] = "climb" }),
        }.ToJsonString();

        var (status, body) = await fixture.PostAsync("/api/v1/composite", json);

        status.ShouldBe(HttpStatusCode.OK);
        var results = body["results"]!.AsArray();
        results.Select(result => result!["statusCode"]!.GetValue<int>()).ShouldBe([201, 400]);
        results[1]!["errors"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("INVALID_URL");
        results[1]!["errors"]![0]!["message"]!.GetValue<string>().ShouldContain("dot segment");
    }

    [Fact]
    public async Task Read_ByAnEncodedSpelling_IsCalledAtItsCanonicalUrl()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var json = new JsonObject
        {
            ["batchRequests"] = new JsonArray(new JsonObject { ["method"] = "GET", ["url"] = "/api/v1/links/%61ccounts/" }),
        }.ToJsonString();

        var (_, body) = await fixture.PostAsync("/api/v1/composite/batch", json);

        var result = body["results"]![0]!;
        result["statusCode"]!.GetValue<int>().ShouldBe(200, body.ToJsonString());
        result["body"]!["id"]!.GetValue<string>().ShouldBe("accounts");
    }

    private static JsonObject Referenced(JsonObject subrequest)
    {
        var copy = (JsonObject)subrequest.DeepClone();
        copy["referenceId"] = "nested";
        return copy;
    }
}
