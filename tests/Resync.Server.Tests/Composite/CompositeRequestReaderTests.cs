using Resync.Server.Composite;

namespace Resync.Server.Tests.Composite;

public sealed class CompositeRequestReaderTests
{
    private static readonly SubrequestRoutes Routes = new(["/api/v1/links", "/api/v1/links/{linkId}", "/api/v1/runs/{runId}"]);

    private static ReadOnlySpan<byte> Json(string json) => Encoding.UTF8.GetBytes(json);

    [Fact]
    public void ReadBatch_ValidCall_GivesSubrequestsInOrderWithMethodUpperCased()
    {
        var request = CompositeRequestReader.ReadBatch(Json("""
            {"haltOnError": true, "batchRequests": [
              {"method": "post", "url": "/api/v1/links/accounts/records", "body": {"name": "Acme"}},
              {"method": "GET", "url": "/api/v1/links/accounts"}]}
            """), Routes);

        request.Errors.ShouldBeEmpty();
        request.HaltOnError.ShouldBeTrue();
        request.Subrequests.Select(s => (s.Index, s.Method, s.Url)).ShouldBe([(0, "POST", "/api/v1/links/accounts/records"), (1, "GET", "/api/v1/links/accounts")]);
        request.Subrequests[0].Body!["name"]!.GetValue<string>().ShouldBe("Acme");
    }

    [Theory]
    [InlineData("[1, 2]", "The body is a JSON object.")]
    [InlineData("{\"batchRequests\": [", "The body is not valid JSON")]
    [InlineData("{\"a\": 1, \"a\": 2}", "The body is not valid JSON")]
    [InlineData("{}", "'batchRequests' is a required field")]
    [InlineData("{\"batchRequests\": []}", "'batchRequests' is a required field")]
    [InlineData("{\"haltOnError\": 3, \"batchRequests\": [{\"method\": \"GET\", \"url\": \"/api/v1/links\"}]}", "'haltOnError' is true or false.")]
    [InlineData("{\"batchRequests\": [7]}", "Subrequest 1 is not a JSON object.")]
    [InlineData("{\"batchRequests\": [{\"url\": \"/api/v1/links\"}]}", "'method' is a required field.")]
    [InlineData("{\"batchRequests\": [{\"method\": \"GET\"}]}", "'url' is a required field.")]
    public void ReadBatch_MalformedBody_IsJsonParserErrorNamingTheFault(string body, string message)
    {
        var request = CompositeRequestReader.ReadBatch(Json(body), Routes);

        request.Errors.ShouldHaveSingleItem().ErrorCode.ShouldBe(CompositeCodes.JsonParserError);
        request.Errors[0].Message.ShouldContain(message);
    }

    [Fact]
    public void ReadBatch_UnsupportedMethod_IsMethodNotAllowed()
    {
        var request = CompositeRequestReader.ReadBatch(Json("""{"batchRequests": [{"method": "HEAD", "url": "/api/v1/links"}]}"""), Routes);

        request.Errors.ShouldHaveSingleItem().ErrorCode.ShouldBe(CompositeCodes.MethodNotAllowed);
    }

    [Fact]
    public void ReadBatch_MoreThanTheMaximumSubrequests_IsLimitExceeded()
    {
        var items = string.Join(",", Enumerable.Repeat("""{"method": "GET", "url": "/api/v1/links"}""", CompositeCodes.MaxSubrequests + 1));

        var request = CompositeRequestReader.ReadBatch(Json($$"""{"batchRequests": [{{items}}]}"""), Routes);

        request.Errors.ShouldHaveSingleItem().ErrorCode.ShouldBe(CompositeCodes.LimitExceeded);
        request.Subrequests.ShouldBeEmpty();
    }

    [Fact]
    public void ReadBatch_UrlTheRouteTableRefuses_IsInvalidUrlNamingTheSubrequest()
    {
        var request = CompositeRequestReader.ReadBatch(Json("""{"batchRequests": [{"method": "POST", "url": "/api/v1/composite/batch"}]}"""), Routes);

        var error = request.Errors.ShouldHaveSingleItem();
        error.ErrorCode.ShouldBe(CompositeCodes.InvalidUrl);
        error.Fields.ShouldBe(["url"]);
        error.Message.ShouldStartWith("Subrequest 1: ");
    }

    [Fact]
    public void ReadBatch_EveryProblem_IsReportedAtOnce()
    {
        var request = CompositeRequestReader.ReadBatch(Json("""
            {"haltOnError": "maybe", "batchRequests": [{"url": "/api/v1/links"}, {"method": "GET"}]}
            """), Routes);

        request.Errors.Select(e => e.Message).ShouldBe(["'haltOnError' is true or false.", "'method' is a required field.", "'url' is a required field."]);
    }

    [Fact]
    public void ReadComposite_MissingOrInvalidOrRepeatedReferenceId_IsRefused()
    {
        var request = CompositeRequestReader.ReadComposite(Json("""
            {"compositeRequest": [
              {"method": "GET", "url": "/api/v1/links"},
              {"method": "GET", "url": "/api/v1/links", "referenceId": "not valid"},
              {"method": "GET", "url": "/api/v1/links", "referenceId": "a"},
              {"method": "GET", "url": "/api/v1/links", "referenceId": "a"}]}
            """), Routes);

        request.Errors.Select(e => (e.ErrorCode, e.Message)).ShouldBe([
            (CompositeCodes.JsonParserError, "'referenceId' is a required field."),
            (CompositeCodes.JsonParserError, "'not valid' is not a valid referenceId (letters, digits and _)."),
            (CompositeCodes.DuplicateReferenceId, "The referenceId 'a' is used more than once."),
        ]);
    }

    [Fact]
    public void ReadComposite_UrlWithAReference_IsMatchedWithTheReferenceAsOneSegment()
    {
        var request = CompositeRequestReader.ReadComposite(Json("""
            {"compositeRequest": [
              {"method": "POST", "url": "/api/v1/links/accounts/records", "referenceId": "acc", "body": {}},
              {"method": "PATCH", "url": "/api/v1/links/accounts/records/@{acc.id}", "referenceId": "again", "body": {}}]}
            """), Routes);

        request.Errors.ShouldBeEmpty();
    }

    [Fact]
    public void ReadComposite_AllOrNoneOnOneLink_NamesTheLink()
    {
        var request = CompositeRequestReader.ReadComposite(Json("""
            {"allOrNone": true, "compositeRequest": [
              {"method": "POST", "url": "/api/v1/links/accounts/records", "referenceId": "a", "body": {}},
              {"method": "PUT", "url": "/api/v1/links/accounts/records/k1", "referenceId": "b", "body": {}}]}
            """), Routes);

        request.Errors.ShouldBeEmpty();
        (request.AllOrNone, request.LinkId).ShouldBe((true, "accounts"));
    }

    [Theory]
    [InlineData("/api/v1/links/contacts/records")]
    [InlineData("/api/v1/links")]
    public void ReadComposite_AllOrNoneOnTwoLinksOrWithARead_IsAllOrNoneUnsupported(string secondUrl)
    {
        var method = secondUrl.EndsWith("records", StringComparison.Ordinal) ? "POST" : "GET";
        var second = $"{{\"method\": \"{method}\", \"url\": \"{secondUrl}\", \"referenceId\": \"b\"}}";
        var request = CompositeRequestReader.ReadComposite(Json("""
            {"allOrNone": true, "compositeRequest": [
              {"method": "POST", "url": "/api/v1/links/accounts/records", "referenceId": "a", "body": {}},
            """ + second + "]}"), Routes);

        request.Errors.ShouldHaveSingleItem().ErrorCode.ShouldBe(CompositeCodes.AllOrNoneUnsupported);
        request.LinkId.ShouldBeNull();
    }

    [Fact]
    public void ReadTree_NestedRecords_AreFlattenedParentsFirstWithTheirParentField()
    {
        var tree = CompositeRequestReader.ReadTree(Json("""
            {"records": [
              {"attributes": {"referenceId": "acc"}, "name": "Acme",
               "contacts": {"parentField": "accountId", "records": [{"attributes": {"referenceId": "c1"}, "email": "a@acme.test"}]}}]}
            """));

        tree.Errors.ShouldBeEmpty();
        tree.Records.Select(r => (r.ReferenceId, r.ParentReference, r.ParentField)).ShouldBe([("acc", (string?)null, (string?)null), ("c1", "acc", "accountId")]);
        tree.Records[0].Fields.Select(f => f.Key).ShouldBe(["name"]);
        tree.Records[1].Fields["email"]!.GetValue<string>().ShouldBe("a@acme.test");
    }

    [Theory]
    [InlineData("{}", CompositeCodes.JsonParserError, "'records' is a required field (an array of records).")]
    [InlineData("{\"records\": []}", CompositeCodes.JsonParserError, "The tree holds no records.")]
    [InlineData("{\"records\": [1]}", CompositeCodes.JsonParserError, "Each tree record is a JSON object.")]
    [InlineData("{\"records\": [{\"name\": \"x\"}]}", CompositeCodes.JsonParserError, "'referenceId' is a required field (in each record's 'attributes').")]
    [InlineData("{\"records\": [{\"attributes\": {\"referenceId\": \"a\"}, \"kids\": {\"records\": []}}]}", CompositeCodes.JsonParserError, "'kids' of 'a' holds child records: 'parentField'")]
    [InlineData("{\"records\": [{\"attributes\": {\"referenceId\": \"a\"}}, {\"attributes\": {\"referenceId\": \"a\"}}]}", CompositeCodes.DuplicateReferenceId, "The referenceId 'a' is used more than once.")]
    public void ReadTree_MalformedTree_IsRefusedNamingTheFault(string body, string code, string message)
    {
        var tree = CompositeRequestReader.ReadTree(Json(body));

        var error = tree.Errors.ShouldHaveSingleItem();
        error.ErrorCode.ShouldBe(code);
        error.Message.ShouldStartWith(message);
    }

    [Fact]
    public void ReadTree_MoreThanTheMaximumRecords_IsLimitExceeded()
    {
        var records = string.Join(",", Enumerable.Range(1, CompositeCodes.MaxTreeRecords + 1).Select(i => $"{{\"attributes\": {{\"referenceId\": \"r{i}\"}}}}"));

        var tree = CompositeRequestReader.ReadTree(Json($$"""{"records": [{{records}}]}"""));

        tree.Errors.ShouldHaveSingleItem().ErrorCode.ShouldBe(CompositeCodes.LimitExceeded);
    }
}
