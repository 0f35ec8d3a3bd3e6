using System.Net;
using System.Text.Json.Nodes;

namespace Resync.Server.Tests.Composite;

public sealed class CompositeBatchTests
{
    private static string Batch(bool? halt) => new JsonObject
    {
        ["haltOnError"] = halt is null ? null : JsonValue.Create(halt.Value ? "true" : "false"),
        ["batchRequests"] = new JsonArray(
            CompositeFixture.Create(null, "a1", "Account 1"),
            new JsonObject { ["method"] = "GET", ["url"] = "/api/v1/notARealResource/" },
            CompositeFixture.Create(null, "a2", "Account 2")),
    }.ToJsonString();

    [Fact]
    public async Task Batch_BadUrlInTheMiddle_ProcessesTheOthers()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var (status, body) = await fixture.PostAsync("/api/v1/composite/batch", Batch(null));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body["hasErrors"]!.GetValue<bool>());
        var results = body["results"]!.AsArray();
        Assert.Equal([201, 404, 201], results.Select(r => r!["statusCode"]!.GetValue<int>()));
        Assert.Equal("NOT_FOUND", results[1]!["errors"]![0]!["errorCode"]!.GetValue<string>());
        Assert.Equal("a1", results[0]!["body"]!["id"]!.GetValue<string>());
        Assert.Empty(results[0]!["errors"]!.AsArray());
        Assert.Equal(["a1|Account 1||", "a2|Account 2||"], fixture.Rows());
        Assert.Equal(2, body["runIds"]!.AsArray().Count);
    }

    [Fact]
    public async Task Batch_HaltOnError_AnswersLaterOnes412AndDoesNotRunThem()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var (status, body) = await fixture.PostAsync("/api/v1/composite/batch", Batch(true));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body["hasErrors"]!.GetValue<bool>());
        var results = body["results"]!.AsArray();
        Assert.Equal([201, 404, 412], results.Select(r => r!["statusCode"]!.GetValue<int>()));
        Assert.Equal("BATCH_PROCESSING_HALTED", results[2]!["errors"]![0]!["errorCode"]!.GetValue<string>());
        Assert.False(results[2]!["success"]!.GetValue<bool>());
        Assert.Equal(["a1|Account 1||"], fixture.Rows());
    }

    [Fact]
    public async Task Batch_AllGood_HasNoErrors_AndGetsApiResources()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var json = new JsonObject
        {
            ["batchRequests"] = new JsonArray(
                CompositeFixture.Create(null, "a1", "Account 1"),
                new JsonObject { ["method"] = "GET", ["url"] = $"/api/v1/links/{CompositeFixture.LinkId}" }),
        }.ToJsonString();
        var (_, body) = await fixture.PostAsync("/api/v1/composite/batch", json);
        Assert.False(body["hasErrors"]!.GetValue<bool>());
        Assert.Equal(200, body["results"]![1]!["statusCode"]!.GetValue<int>());
    }

    [Fact]
    public async Task Batch_ForeignTenantsLink_IsNotFound_AndWritesNothing()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var json = new JsonObject { ["batchRequests"] = new JsonArray(CompositeFixture.Create(null, "a1", "Account 1")) }.ToJsonString();
        var (status, body) = await fixture.PostAsync("/api/v1/composite/batch", json, fixture.Server.GlobexKey);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(404, body["results"]![0]!["statusCode"]!.GetValue<int>());
        Assert.Equal("NOT_FOUND", body["results"]![0]!["errors"]![0]!["errorCode"]!.GetValue<string>());
        Assert.Empty(fixture.Rows());
    }

    [Fact]
    public async Task Batch_RecordFailure_IsInTheRunSummary()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var json = new JsonObject { ["batchRequests"] = new JsonArray(CompositeFixture.Create(null, "a1", null)) }.ToJsonString();
        var (_, body) = await fixture.PostAsync("/api/v1/composite/batch", json);
        var runId = body["runIds"]![0]!.GetValue<long>();
        using var client = fixture.Server.Client(fixture.Server.AcmeKey);
        var run = await ServerHarness.JsonAsync(await client.GetAsync($"/api/v1/runs/{runId}"));
        Assert.Equal("Push", run["kind"]!.GetValue<string>());
        Assert.Equal(1, run["counts"]!["failed"]!.GetValue<int>());
    }
}
