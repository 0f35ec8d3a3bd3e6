namespace Resync.Server.Tests.Runs;

public sealed class RunListTests
{
    [Fact]
    public async Task ListRuns_ByKindAndTimeRange_ReturnsOnlyThoseRuns()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "listed", """
            name: listed
            source: { type: demo, records: 10, failingPage: 0 }
            target: { type: collect }
            """);
        var run = await server.RunToEndAsync(server.AcmeKey, "listed");
        var runId = run["id"]!.GetValue<long>();
        var startedAt = DateTimeOffset.Parse(run["startedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        using var client = server.Client(server.AcmeKey);

        async Task<List<long>> Ids(string query) =>
            [.. (await ServerHarness.JsonAsync(await client.GetAsync($"/api/v1/runs?linkId=listed&{query}")))["items"]!.AsArray().Select(r => r!["id"]!.GetValue<long>())];

        (await Ids("kind=manual")).ShouldBe([runId]);
        (await Ids("kind=Retry")).ShouldBeEmpty();
        (await Ids($"from={Uri.EscapeDataString(startedAt.ToString("O"))}")).ShouldBe([runId]);
        (await Ids($"to={Uri.EscapeDataString(startedAt.ToString("O"))}")).ShouldBeEmpty("'to' excludes its own instant");
        (await Ids($"from={Uri.EscapeDataString(startedAt.AddSeconds(1).ToString("O"))}")).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("kind=sideways", "'sideways' is not a run kind")]
    [InlineData("kind=2", "'2' is not a run kind")]
    [InlineData("status=7", "'7' is not a run status")]
    [InlineData("from=yesterday", "'yesterday' in 'from' is not a time")]
    [InlineData("to=2026-13-40", "'2026-13-40' in 'to' is not a time")]
    public async Task ListRuns_WithABadFilter_IsRefusedNamingIt(string query, string expected)
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(server.AcmeKey);

        using var response = await client.GetAsync($"/api/v1/runs?{query}");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await ServerHarness.JsonAsync(response);
        problem["type"]!.GetValue<string>().ShouldEndWith("invalid-filter");
        problem["detail"]!.GetValue<string>().ShouldContain(expected);
    }
}
