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
        var (_, results) = await fixture.PostWithErrorsAsync($"/api/v1/composite/tree/{CompositeFixture.LinkId}", Tree(LongPhone));
        var result = results.ShouldHaveSingleItem()!;
        result["referenceId"]!.GetValue<string>().ShouldBe("ref1");
        result["statusCode"]!.GetValue<int>().ShouldBe(400);
        result["errors"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("STRING_TOO_LONG");
        result["errors"]![0]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()).ShouldBe(["phone"]);
        fixture.Rows().ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(CompositeFixture.Stores), MemberType = typeof(CompositeFixture))]
    public async Task Tree_AllGood_WritesParentsAndChildren_WithTheirIds(string store)
    {
        await using var fixture = await CompositeFixture.StartAsync(store: store);
        var (_, body) = await fixture.PostAsync($"/api/v1/composite/tree/{CompositeFixture.LinkId}", Tree("555-0100"));
        body["hasErrors"]!.GetValue<bool>().ShouldBeFalse();
        body["results"]!.AsArray().Select(r => $"{r!["referenceId"]}:{r["body"]!["id"]}").ShouldBe(["ref1:p1", "ref2:c1", "ref3:p2"]);
        fixture.Rows().ShouldBe(["c1|Child1|1234567890|p1", "p1|SampleAccount1|555-0100|", "p2|SampleAccount2||"]);
    }

    [Fact]
    public async Task Tree_NonTransactionalTarget_Answers400()
    {
        await using var fixture = await CompositeFixture.StartAsync(transactional: false);
        var (status, body) = await fixture.PostAsync($"/api/v1/composite/tree/{CompositeFixture.LinkId}", Tree("1"));
        status.ShouldBe(HttpStatusCode.BadRequest);
        body[0]!["errorCode"]!.GetValue<string>().ShouldBe("ALL_OR_NONE_NOT_SUPPORTED");
        fixture.Rows().ShouldBeEmpty();
    }

    [Fact]
    public async Task Tree_ForeignTenantsLink_Answers404_AndWritesNothing()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var (status, _) = await fixture.PostAsync($"/api/v1/composite/tree/{CompositeFixture.LinkId}", Tree("1"), fixture.Server.GlobexKey);
        status.ShouldBe(HttpStatusCode.NotFound);
        fixture.Rows().ShouldBeEmpty();
    }

    [Fact]
    public async Task Composite_AllOrNone_NonTransactionalTarget_Answers400_AndStartsNoRun()
    {
        await using var fixture = await CompositeFixture.StartAsync(transactional: false);
        var (status, body) = await fixture.PostAsync("/api/v1/composite", Composite(true));
        status.ShouldBe(HttpStatusCode.BadRequest);
        body[0]!["errorCode"]!.GetValue<string>().ShouldBe("ALL_OR_NONE_NOT_SUPPORTED");
        body[0]!["message"]!.GetValue<string>().ShouldContain("transactional: true", Case.Sensitive);
        using var client = fixture.Server.Client(fixture.Server.AcmeKey);
        (await ServerHarness.JsonAsync(await client.GetAsync("/api/v1/runs")))["items"]!.AsArray().ShouldBeEmpty();
        fixture.Rows().ShouldBeEmpty();
    }

    [Fact]
    public async Task Composite_AllOrNone_ForeignTenantsLink_EveryResultIs404()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var (_, body) = await fixture.PostAsync("/api/v1/composite", Composite(true), fixture.Server.GlobexKey);
        body["results"]!.AsArray().ShouldAllBe(r => r!["statusCode"]!.GetValue<int>() == 404);
        fixture.Rows().ShouldBeEmpty();
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
        var (_, results) = await fixture.PostWithErrorsAsync("/api/v1/composite", Composite(false));
        results.Select(r => r!["statusCode"]!.GetValue<int>()).ShouldBe([201, 201, 400]);
        results.Select(r => r!["referenceId"]!.GetValue<string>()).ShouldBe(["newAccount", "newChild", "badAccount"]);
        fixture.Rows().ShouldBe(["acc1|Ok Account||", "acc2|Child Account||acc1"]);
    }

    [Theory]
    [MemberData(nameof(CompositeFixture.Stores), MemberType = typeof(CompositeFixture))]
    public async Task Composite_AllOrNone_OneFailure_RollsBackEverything_AndEveryResultSaysSo(string store)
    {
        await using var fixture = await CompositeFixture.StartAsync(store: store);
        var (_, results) = await fixture.PostWithErrorsAsync("/api/v1/composite", Composite(true));
        results.ShouldAllBe(r => !r!["success"]!.GetValue<bool>());
        results.Take(2).Select(r => r!["errors"]![0]!["errorCode"]!.GetValue<string>()).ShouldBe(["PROCESSING_HALTED", "PROCESSING_HALTED"]);
        results[2]!["errors"]![0]!["errorCode"]!.GetValue<string>().ShouldNotBe("PROCESSING_HALTED");
        fixture.Rows().ShouldBeEmpty();
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
        body["hasErrors"]!.GetValue<bool>().ShouldBeFalse();
        var (run, records) = await fixture.RunAsync(body["runId"]!.GetValue<long>());
        (run["counts"]!["read"]!.GetValue<int>(), run["counts"]!["succeeded"]!.GetValue<int>()).ShouldBe((2, 2));
        records.Select(r => r!["key"]!.GetValue<string>()).ShouldBe(["newAccount", "newChild"]);
        fixture.Rows().ShouldBe(["acc1|Ok Account||", "acc2|Child Account||acc1"]);
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
        results.Select(r => r!["statusCode"]!.GetValue<int>()).ShouldBe([400, 424, 201]);
        results[1]!["errors"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("PROCESSING_HALTED");
        results[1]!["errors"]![0]!["message"]!.GetValue<string>().ShouldContain("badParent", Case.Sensitive);
        fixture.Rows().ShouldBe(["acc3|Other||"]);

        var (run, records) = await fixture.RunAsync(body["runId"]!.GetValue<long>(), "failed");
        (run["counts"]!["read"]!.GetValue<int>(), run["counts"]!["succeeded"]!.GetValue<int>(), run["counts"]!["failed"]!.GetValue<int>()).ShouldBe((3, 1, 2));
        records.Select(r => r!["key"]!.GetValue<string>()).ShouldBe(["badParent", "child"]);
        records[1]!["error"]!["code"]!.GetValue<string>().ShouldBe("PROCESSING_HALTED");
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

        body["hasErrors"]!.GetValue<bool>().ShouldBeFalse();
        var results = body["results"]!.AsArray();
        results.Select(r => r!["statusCode"]!.GetValue<int>()).ShouldBe([201, 200]);
        results[1]!["body"]!["id"]!.GetValue<string>().ShouldBe("acc1");
        fixture.Rows().ShouldBe(["acc1|New Name|555-0101|"]);
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
        results.Select(r => r!["statusCode"]!.GetValue<int>()).ShouldBe([400, 405]);
        results[0]!["errors"]![0]!["message"]!.GetValue<string>().ShouldContain("'acc1'", Case.Sensitive);
        results[1]!["errors"]![0]!["errorCode"]!.GetValue<string>().ShouldBe("METHOD_NOT_ALLOWED");
        fixture.Rows().ShouldBeEmpty();
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
        status.ShouldBe(HttpStatusCode.BadRequest);
        var errors = body.AsArray();
        errors.ShouldContain(e => e!["errorCode"]!.GetValue<string>() == errorCode);
        errors.ShouldAllBe(e => !string.IsNullOrEmpty(e!["message"]!.GetValue<string>()));
        fixture.Rows().ShouldBeEmpty();
        using var client = fixture.Server.Client(fixture.Server.AcmeKey);
        var runs = await ServerHarness.JsonAsync(await client.GetAsync("/api/v1/runs"));
        runs["items"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task MissingReferenceId_SaysSoAsSalesforceDoes()
    {
        await using var fixture = await CompositeFixture.StartAsync();
        var (_, body) = await fixture.PostAsync("/api/v1/composite", new JsonObject { ["compositeRequest"] = new JsonArray(CompositeFixture.Create(null, "a", "n")) }.ToJsonString());
        body[0]!["message"]!.GetValue<string>().ShouldBe("'referenceId' is a required field.");
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
            status.ShouldBe(HttpStatusCode.OK);
            var anyBad = planned.Any(p => !p.Good);
            body["hasErrors"]!.GetValue<bool>().ShouldBe(anyBad);
            if (allOrNone && anyBad)
                fixture.Rows().ShouldBe(before);
            else
            {
                foreach (var (row, good) in planned.Where(p => p.Good))
                    expected.Add(row);
                fixture.Rows().ShouldBe(expected);
            }
            var successes = body["results"]!.AsArray().Select(r => r!["success"]!.GetValue<bool>()).ToList();
            successes.ShouldBe(planned.Select(p => p.Good && !(allOrNone && anyBad)));
        }
    }
}
