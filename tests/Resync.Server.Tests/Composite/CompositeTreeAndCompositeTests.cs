using System.Net;
using System.Text.Json.Nodes;

namespace Resync.Server.Tests.Composite;

public sealed class CompositeTreeAndCompositeTests
{
    private const string LongPhone = "hello this is a really long string that should not work...";

    private static string Tree(string phone) => $$$"""
        {"records": [
          {"attributes": {"type": "Account", "referenceId": "ref1"}, "id": "p1", "name": "SampleAccount1", "phone": "{{{phone}}}",
           "children": {"parentField": "parent_id", "records": [
             {"attributes": {"referenceId": "ref2"}, "id": "c1", "name": "Child1", "phone": "1234567890"}]}},
          {"attributes": {"referenceId": "ref3"}, "id": "p2", "name": "SampleAccount2"}
        ]}
        """;

    [Theory]
    [MemberData(nameof(CompositeFixture.Stores), MemberType = typeof(CompositeFixture))]
    public async Task Tree_OnePhoneTooLong_WritesNothing_AndNamesTheField(string store)
    {
        await using var fixture = await CompositeFixture.StartAsync(store: store);
        var (status, body) = await fixture.PostAsync($"/api/v1/composite/tree/{CompositeFixture.LinkId}", Tree(LongPhone));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body["hasErrors"]!.GetValue<bool>());
        var result = Assert.Single(body["results"]!.AsArray())!;
        Assert.Equal("ref1", result["referenceId"]!.GetValue<string>());
        Assert.Equal(400, result["statusCode"]!.GetValue<int>());
        Assert.Equal("STRING_TOO_LONG", result["errors"]![0]!["errorCode"]!.GetValue<string>());
        Assert.Equal(["phone"], result["errors"]![0]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Empty(fixture.Rows());
    }

    [Theory]
    [MemberData(nameof(CompositeFixture.Stores), MemberType = typeof(CompositeFixture))]
    public async Task Tree_AllGood_WritesParentsAndChildren_WithTheirIds(string store)
    {
        await using var fixture = await CompositeFixture.StartAsync(store: store);
        var (_, body) = await fixture.PostAsync($"/api/v1/composite/tree/{CompositeFixture.LinkId}", Tree("555-0100"));
        Assert.False(body["hasErrors"]!.GetValue<bool>());
        Assert.Equal(["ref1:p1", "ref2:c1", "ref3:p2"], body["results"]!.AsArray().Select(r => $"{r!["referenceId"]}:{r["body"]!["id"]}"));
        Assert.Equal(["c1|Child1|1234567890|p1", "p1|SampleAccount1|555-0100|", "p2|SampleAccount2||"], fixture.Rows());
    }

    [Fact]
    public async Task Tree_NonTransactionalTarget_Answers400()
    {
        await using var fixture = await CompositeFixture.StartAsync(transactional: false);
        var (status, body) = await fixture.PostAsync($"/api/v1/composite/tree/{CompositeFixture.LinkId}", Tree("1"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ALL_OR_NONE_NOT_SUPPORTED", body[0]!["errorCode"]!.GetValue<string>());
        Assert.Empty(fixture.Rows());
    }

    [Fact]
    public async Task Tree_ForeignTenantsLink_Answers404_AndWritesNothing()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var (status, _) = await fixture.PostAsync($"/api/v1/composite/tree/{CompositeFixture.LinkId}", Tree("1"), fixture.Server.GlobexKey);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Empty(fixture.Rows());
    }

    [Fact]
    public async Task Composite_AllOrNone_NonTransactionalTarget_Answers400_AndStartsNoRun()
    {
        await using var fixture = await CompositeFixture.StartAsync(transactional: false);
        var (status, body) = await fixture.PostAsync("/api/v1/composite", Composite(true));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ALL_OR_NONE_NOT_SUPPORTED", body[0]!["errorCode"]!.GetValue<string>());
        Assert.Contains("transactional: true", body[0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        using var client = fixture.Server.Client(fixture.Server.AcmeKey);
        Assert.Empty((await ServerHarness.JsonAsync(await client.GetAsync("/api/v1/runs")))["items"]!.AsArray());
        Assert.Empty(fixture.Rows());
    }

    [Fact]
    public async Task Composite_AllOrNone_ForeignTenantsLink_EveryResultIs404()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var (_, body) = await fixture.PostAsync("/api/v1/composite", Composite(true), fixture.Server.GlobexKey);
        Assert.All(body["results"]!.AsArray(), r => Assert.Equal(404, r!["statusCode"]!.GetValue<int>()));
        Assert.Empty(fixture.Rows());
    }

    private static string Composite(bool allOrNone) => new JsonObject
    {
        ["allOrNone"] = allOrNone,
        ["compositeRequest"] = new JsonArray(
            CompositeFixture.Create("newAccount", "acc1", "Ok Account"),
            CompositeFixture.Create("newChild", "acc2", "Child Account", parent: "@{newAccount.id}"),
            CompositeFixture.Create("badAccount", "acc3", null)),
    }.ToJsonString();

    [Theory]
    [MemberData(nameof(CompositeFixture.Stores), MemberType = typeof(CompositeFixture))]
    public async Task Composite_ParentThenChild_OneFailure_KeepsTheOthers(string store)
    {
        await using var fixture = await CompositeFixture.StartAsync(store: store);
        var (status, body) = await fixture.PostAsync("/api/v1/composite", Composite(false));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body["hasErrors"]!.GetValue<bool>());
        var results = body["results"]!.AsArray();
        Assert.Equal([201, 201, 400], results.Select(r => r!["statusCode"]!.GetValue<int>()));
        Assert.Equal(["newAccount", "newChild", "badAccount"], results.Select(r => r!["referenceId"]!.GetValue<string>()));
        Assert.Equal(["acc1|Ok Account||", "acc2|Child Account||acc1"], fixture.Rows());
    }

    [Theory]
    [MemberData(nameof(CompositeFixture.Stores), MemberType = typeof(CompositeFixture))]
    public async Task Composite_AllOrNone_OneFailure_RollsBackEverything_AndEveryResultSaysSo(string store)
    {
        await using var fixture = await CompositeFixture.StartAsync(store: store);
        var (status, body) = await fixture.PostAsync("/api/v1/composite", Composite(true));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body["hasErrors"]!.GetValue<bool>());
        var results = body["results"]!.AsArray();
        Assert.All(results, r => Assert.False(r!["success"]!.GetValue<bool>()));
        Assert.Equal(["PROCESSING_HALTED", "PROCESSING_HALTED"], results.Take(2).Select(r => r!["errors"]![0]!["errorCode"]!.GetValue<string>()));
        Assert.NotEqual("PROCESSING_HALTED", results[2]!["errors"]![0]!["errorCode"]!.GetValue<string>());
        Assert.Empty(fixture.Rows());
    }

    [Theory]
    [MemberData(nameof(CompositeFixture.Stores), MemberType = typeof(CompositeFixture))]
    public async Task Composite_AllOrNone_AllGood_WritesEverything(string store)
    {
        await using var fixture = await CompositeFixture.StartAsync(store: store);
        var json = new JsonObject
        {
            ["allOrNone"] = true,
            ["compositeRequest"] = new JsonArray(
                CompositeFixture.Create("newAccount", "acc1", "Ok Account"),
                CompositeFixture.Create("newChild", "acc2", "Child Account", parent: "@{newAccount.id}")),
        }.ToJsonString();
        var (_, body) = await fixture.PostAsync("/api/v1/composite", json);
        Assert.False(body["hasErrors"]!.GetValue<bool>());
        var (run, records) = await fixture.RunAsync(body["runId"]!.GetValue<long>());
        Assert.Equal((2, 2), (run["counts"]!["read"]!.GetValue<int>(), run["counts"]!["succeeded"]!.GetValue<int>()));
        Assert.Equal(["newAccount", "newChild"], records.Select(r => r!["key"]!.GetValue<string>()));
        Assert.Equal(["acc1|Ok Account||", "acc2|Child Account||acc1"], fixture.Rows());
    }

    [Theory]
    [MemberData(nameof(CompositeFixture.Stores), MemberType = typeof(CompositeFixture))]
    public async Task Composite_DependentOfAFailedOne_FailsClearly_AndIsNotRun(string store)
    {
        await using var fixture = await CompositeFixture.StartAsync(store: store);
        var json = new JsonObject
        {
            ["compositeRequest"] = new JsonArray(
                CompositeFixture.Create("badParent", "acc1", null),
                CompositeFixture.Create("child", "acc2", "Child", parent: "@{badParent.id}"),
                CompositeFixture.Create("other", "acc3", "Other")),
        }.ToJsonString();
        var (_, body) = await fixture.PostAsync("/api/v1/composite", json);
        var results = body["results"]!.AsArray();
        Assert.Equal([400, 424, 201], results.Select(r => r!["statusCode"]!.GetValue<int>()));
        Assert.Equal("PROCESSING_HALTED", results[1]!["errors"]![0]!["errorCode"]!.GetValue<string>());
        Assert.Contains("badParent", results[1]!["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["acc3|Other||"], fixture.Rows());

        var (run, records) = await fixture.RunAsync(body["runId"]!.GetValue<long>(), "failed");
        Assert.Equal((3, 1, 2), (run["counts"]!["read"]!.GetValue<int>(), run["counts"]!["succeeded"]!.GetValue<int>(), run["counts"]!["failed"]!.GetValue<int>()));
        Assert.Equal(["badParent", "child"], records.Select(r => r!["key"]!.GetValue<string>()));
        Assert.Equal("PROCESSING_HALTED", records[1]!["error"]!["code"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(CompositeFixture.Stores), MemberType = typeof(CompositeFixture))]
    public async Task Composite_CreateThenPatchTheNewRecordByReference_WritesTheRecordOfThatKey(string store)
    {
        await using var fixture = await CompositeFixture.StartAsync(store: store);
        var patch = new JsonObject
        {
            ["method"] = "PATCH",
            ["url"] = $"/api/v1/links/{CompositeFixture.LinkId}/records/@{{newAccount.id}}",
            ["referenceId"] = "renamed",
            ["body"] = new JsonObject { ["name"] = "New Name", ["phone"] = "555-0101" },
        };
        var json = new JsonObject { ["compositeRequest"] = new JsonArray(CompositeFixture.Create("newAccount", "acc1", "Old Name", "555-0100"), patch) }.ToJsonString();

        var (_, body) = await fixture.PostAsync("/api/v1/composite", json);

        Assert.False(body["hasErrors"]!.GetValue<bool>());
        var results = body["results"]!.AsArray();
        Assert.Equal([201, 200], results.Select(r => r!["statusCode"]!.GetValue<int>()));
        Assert.Equal("acc1", results[1]!["body"]!["id"]!.GetValue<string>());
        Assert.Equal(["acc1|New Name|555-0101|"], fixture.Rows());
    }

    [Fact]
    public async Task Composite_RecordOperationWithAKeyMismatchOrNoKey_FailsClearly_AndWritesNothing()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var json = new JsonObject
        {
            ["compositeRequest"] = new JsonArray(
                new JsonObject { ["method"] = "PATCH", ["url"] = "/api/v1/links/accounts/records/acc1", ["referenceId"] = "mismatch", ["body"] = new JsonObject { ["id"] = "acc2", ["name"] = "n" } },
                new JsonObject { ["method"] = "PATCH", ["url"] = "/api/v1/links/accounts/records", ["referenceId"] = "noKey", ["body"] = new JsonObject { ["name"] = "n" } }),
        }.ToJsonString();

        var (_, body) = await fixture.PostAsync("/api/v1/composite", json);

        var results = body["results"]!.AsArray();
        Assert.Equal([400, 405], results.Select(r => r!["statusCode"]!.GetValue<int>()));
        Assert.Contains("'acc1'", results[0]!["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("METHOD_NOT_ALLOWED", results[1]!["errors"]![0]!["errorCode"]!.GetValue<string>());
        Assert.Empty(fixture.Rows());
    }

    public static TheoryData<string, string, string> MalformedRequests => new()
    {
        { "/api/v1/composite", "{\"compositeRequest\": [", "JSON_PARSER_ERROR" },
        { "/api/v1/composite", """{"compositeRequest": [{"method": "POST", "url": "/api/v1/links/accounts/records", "body": {"id": "x", "name": "n"}}]}""", "JSON_PARSER_ERROR" },
        { "/api/v1/composite", """{"compositeRequest": [{"method": "POST", "url": "/api/v1/links/accounts/records", "referenceId": "a", "body": {"id": "x", "name": "@{nope.id}"}}]}""", "INVALID_REFERENCE" },
        { "/api/v1/composite", """{"compositeRequest": [{"method": "POST", "url": "/api/v1/links/accounts/records", "referenceId": "a", "body": {"id": "x", "name": "@{b.id}"}}, {"method": "POST", "url": "/api/v1/links/accounts/records", "referenceId": "b", "body": {"id": "y", "name": "n"}}]}""", "INVALID_REFERENCE" },
        { "/api/v1/composite", """{"compositeRequest": [{"method": "POST", "url": "/api/v1/links/accounts/records", "referenceId": "a", "body": {"id": "x", "name": "@{b.id}"}}, {"method": "POST", "url": "/api/v1/links/accounts/records", "referenceId": "b", "body": {"id": "y", "name": "@{a.id}"}}]}""", "INVALID_REFERENCE" },
        { "/api/v1/composite", """{"compositeRequest": [{"method": "FETCH", "url": "/api/v1/links/accounts/records", "referenceId": "a", "body": {"id": "x", "name": "n"}}]}""", "METHOD_NOT_ALLOWED" },
        { "/api/v1/composite/batch", "{\"batchRequests\": [" + string.Join(',', Enumerable.Range(0, 26).Select(i => $$$"""{"method": "POST", "url": "/api/v1/links/accounts/records", "body": {"id": "r{{{i}}}", "name": "n"}}""")) + "]}", "LIMIT_EXCEEDED" },
        { "/api/v1/composite/tree/accounts", """{"records": [{"attributes": {}, "id": "x", "name": "n"}]}""", "JSON_PARSER_ERROR" },
        { "/api/v1/composite", """{"allOrNone": true, "compositeRequest": [{"method": "POST", "url": "/api/v1/links/accounts/records", "referenceId": "a", "body": {"id": "x", "name": "n"}}, {"method": "GET", "url": "/api/v1/links", "referenceId": "b"}]}""", "ALL_OR_NONE_NOT_SUPPORTED" },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task MalformedRequest_Answers400WithErrorList_AndChangesNothing(string path, string json, string errorCode)
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var (status, body) = await fixture.PostAsync(path, json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body.AsArray();
        Assert.Contains(errors, e => e!["errorCode"]!.GetValue<string>() == errorCode);
        Assert.All(errors, e => Assert.False(string.IsNullOrEmpty(e!["message"]!.GetValue<string>())));
        Assert.Empty(fixture.Rows());
        using var client = fixture.Server.Client(fixture.Server.AcmeKey);
        var runs = await ServerHarness.JsonAsync(await client.GetAsync("/api/v1/runs"));
        Assert.Empty(runs["items"]!.AsArray());
    }

    [Fact]
    public async Task MissingReferenceId_SaysSoAsSalesforceDoes()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var (_, body) = await fixture.PostAsync("/api/v1/composite", new JsonObject { ["compositeRequest"] = new JsonArray(CompositeFixture.Create(null, "a", "n")) }.ToJsonString());
        Assert.Equal("'referenceId' is a required field.", body[0]!["message"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(CompositeFixture.Stores), MemberType = typeof(CompositeFixture))]
    public async Task AllOrNone_PropertyOverRandomMixes_TargetUnchangedOnAnyFailure_ElseExactlyTheSuccessfulOnes(string store)
    {
        await using var fixture = await CompositeFixture.StartAsync(store: store);
        var random = new Random(20261122);
        var expected = new SortedSet<string>(StringComparer.Ordinal);
        for (var iteration = 0; iteration < 50; iteration++)
        {
            var allOrNone = random.Next(2) == 0;
            var count = random.Next(1, 6);
            var subrequests = new JsonArray();
            var planned = new List<(string Row, bool Good)>();
            for (var i = 0; i < count; i++)
            {
                var id = $"i{iteration}_{i}";
                var kind = random.Next(4); // 0: no name (NOT NULL), 1: phone too long, else good
                var name = kind == 0 ? null : $"N{i}";
                var phone = kind == 1 ? new string('9', 41) : "1";
                subrequests.Add(CompositeFixture.Create($"r{i}", id, name, phone));
                planned.Add(($"{id}|{name}|{phone}|", kind > 1));
            }
            var before = fixture.Rows();
            var (status, body) = await fixture.PostAsync("/api/v1/composite", new JsonObject { ["allOrNone"] = allOrNone, ["compositeRequest"] = subrequests }.ToJsonString());
            Assert.Equal(HttpStatusCode.OK, status);
            var anyBad = planned.Any(p => !p.Good);
            Assert.Equal(anyBad, body["hasErrors"]!.GetValue<bool>());
            if (allOrNone && anyBad)
                Assert.Equal(before, fixture.Rows());
            else
            {
                foreach (var (row, good) in planned.Where(p => p.Good))
                    expected.Add(row);
                Assert.Equal(expected, fixture.Rows());
            }
            var successes = body["results"]!.AsArray().Select(r => r!["success"]!.GetValue<bool>()).ToList();
            Assert.Equal(planned.Select(p => p.Good && !(allOrNone && anyBad)), successes);
        }
    }
}
