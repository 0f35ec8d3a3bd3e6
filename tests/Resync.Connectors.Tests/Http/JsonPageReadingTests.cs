using System.Net;
using System.Text;
using System.Text.Json;

namespace Resync.Connectors.Tests.Http;

/// <summary>What the HTTP source makes of a page's JSON: values, fields, keys, paths, and the errors of a bad page.</summary>
public sealed class JsonPageReadingTests
{
    private static async Task<JsonRecords.ParsedPage> ReadAsync(string body, string? recordsPath = null, string? nextPath = null, string? watermarkField = null)
    {
        using var answer = await AnswerAsync(body);
        return JsonRecords.ReadPage(answer, "The page", recordsPath, "id", watermarkField, nextPath);
    }

    private static async Task<HttpAnswer> AnswerAsync(string body)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        return await HttpAnswer.ReadAsync(response, TimeProvider.System, CancellationToken.None);
    }

    private static async Task<ResyncException> RefusedAsync(string body, string? recordsPath = null, string? nextPath = null)
    {
        using var answer = await AnswerAsync(body);
        return Should.Throw<ResyncException>(() => JsonRecords.ReadPage(answer, "The page", recordsPath, "id", null, nextPath));
    }

    [Fact]
    public async Task NestedValues_StayJson_WithTheirOwnText()
    {
        var page = await ReadAsync("""[{"id": 1, "a": {"b": [1, {"c": "d"}], "e": null}, "t": [], "o": {}}]""");

        var record = page.Records.ShouldHaveSingleItem();
        var nested = record["a"].ShouldBeOfType<JsonElement>();
        nested.GetRawText().ShouldBe("""{"b": [1, {"c": "d"}], "e": null}""");
        nested.GetProperty("b")[1].GetProperty("c").GetString().ShouldBe("d");
        record["t"].ShouldBeOfType<JsonElement>().GetArrayLength().ShouldBe(0);
        record["o"].ShouldBeOfType<JsonElement>().ValueKind.ShouldBe(JsonValueKind.Object);
    }

    [Fact]
    public async Task EscapedStringsAndNames_AreUnescaped_AndEscapedNamesMatchThePagesFields()
    {
        var page = await ReadAsync("""[{"id": 1, "name": "tab\tquote\" \u00e9 \ud83d\ude00 \/"}, {"id": 2, "name": "y"}, {"\u0069d": 3, "na\u006de": "x"}]""");

        page.Records[0]["name"].ShouldBe("tab\tquote\" é 😀 /");
        page.Records[2].Fields.Keys.ShouldBe(["id", "name"]);
        page.Records[2].Fields.Schema.ShouldNotBeNull().ShouldBeSameAs(page.Records[1].Fields.Schema);
        page.Records[2].Key.ShouldBe("3");
    }

    [Fact]
    public async Task Numbers_AreLongs_ThenDecimals_ThenDoubles()
    {
        var page = await ReadAsync("""
            [{"id": 1, "max": 9223372036854775807, "past": 9223372036854775808, "below": -9223372036854775809, "neg0": -0,
              "exact": 1.0, "exp": 1E5, "decmax": 79228162514264337593543950335, "pastdec": 79228162514264337593543950336,
              "tiny": 1e-400, "huge": 1e400, "nhuge": -1e400}]
            """);

        var record = page.Records.ShouldHaveSingleItem();
        record["max"].ShouldBe(long.MaxValue);
        record["past"].ShouldBe(9223372036854775808m);
        record["below"].ShouldBe(-9223372036854775809m);
        record["neg0"].ShouldBe(0L);
        record["exact"].ShouldBeOfType<decimal>().ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe("1.0");
        record["exp"].ShouldBe(100000m);
        record["decmax"].ShouldBe(decimal.MaxValue);
        record["pastdec"].ShouldBe(7.922816251426434E+28);
        record["tiny"].ShouldBe(0m);
        record["huge"].ShouldBe(double.PositiveInfinity);
        record["nhuge"].ShouldBe(double.NegativeInfinity);
    }

    [Fact]
    public async Task DuplicatePropertyNames_TheLastValueWins_AtTheFirstPlace()
    {
        var page = await ReadAsync("""[{"id": 1, "a": 1, "a": 2, "b": 0}, {"id": 2, "a": 3, "a": 4, "b": 5}, {"id": 3, "a": 6, "b": 7}]""");

        page.Records.Select(r => string.Join(",", r.Fields.Select(f => $"{f.Key}={f.Value}"))).ShouldBe(["id=1,a=2,b=0", "id=2,a=4,b=5", "id=3,a=6,b=7"]);
        page.Records.Select(r => r.Key).ShouldBe(["1", "2", "3"]);
    }

    [Fact]
    public async Task RecordsWithOtherFields_KeepTheirOrder_AndTheirKeys()
    {
        var page = await ReadAsync("""[{"id": "x", "a": 1}, {"a": 2, "id": 3}, {"a": 4, "id": null}, {"a": 5}, {"id": 6, "a": 7, "extra": true}, {"id": 8, "a": 9, "extra": false}]""");

        page.Records.Select(r => string.Join(",", r.Fields.Keys)).ShouldBe(["id,a", "a,id", "a,id", "a", "id,a,extra", "id,a,extra"]);
        page.Records.Select(r => r.Key).ShouldBe(["x", "3", null, null, "6", "8"]);
        page.Records[5]["extra"].ShouldBe(false);
    }

    [Fact]
    public async Task PathsAndNextCursor_AreFoundWhereverTheyAre_TheLastDuplicateWinning()
    {
        var page = await ReadAsync("""{"meta": {"next": "a"}, "data": {"items": [{"id": 1}], "skip": [[{"x": 1}]]}, "meta": {"next": "b", "n": 1}}""", "data.items", "meta.next");
        page.Records.ShouldHaveSingleItem().Key.ShouldBe("1");
        page.Next.ShouldBe("b");

        var byIndex = await ReadAsync("""{"results": [{"items": [{"id": 1}]}, {"items": [{"id": 2}]}], "cursor": [7, 12345678901234567890]}""", "results.1.items", "cursor.1");
        byIndex.Records.ShouldHaveSingleItem().Key.ShouldBe("2");
        byIndex.Next.ShouldBe("12345678901234567890");

        var missing = await ReadAsync("""{"items": [{"id": 1}], "meta": {"next": null}}""", "items", "meta.next.deeper");
        missing.Next.ShouldBeNull();
        (await ReadAsync("""{"items": [{"id": 1}], "meta": {"next": ""}}""", "items", "meta.next")).Next.ShouldBeNull();

        var inside = await ReadAsync("""[{"id": "n1"}, {"id": "n2"}]""", null, "1.id");
        inside.Records.Count.ShouldBe(2);
        inside.Next.ShouldBe("n2");

        var shadowed = await RefusedAsync("""{"data": {"items": [{"id": 1}]}, "data": {"other": 1}}""", "data.items");
        shadowed.Message.ShouldContain("expected an array of records at 'data.items', found nothing");
    }

    [Fact]
    public async Task Watermark_IsTheGreatestTextOfTheField()
    {
        var page = await ReadAsync("""[{"id": 1, "at": "2026-01-02"}, {"id": 2, "at": "2026-03-01"}, {"id": 3}, {"id": 4, "at": "2026-02-01"}]""", watermarkField: "at");

        page.Watermark.ShouldBe("2026-03-01");
    }

    [Fact]
    public async Task AnItemThatIsNoObject_IsAShapeError_NamingItsIndex()
    {
        var refused = await RefusedAsync("""{"items": [{"id": 1}, {"id": 2}, 5, {"id": 4}]}""", "items");

        refused.Classification.Code.ShouldBe(ErrorCodes.UnexpectedShape);
        refused.Message.ShouldContain("expected each record at 'items' to be an object, found a number at index 2");
        (await RefusedAsync("""{"items": "none"}""", "items")).Message.ShouldContain("expected an array of records at 'items', found a string");
        (await RefusedAsync("""{"items": [1]}""")).Message.ShouldContain("expected an array of records at the top of the body, found an object");
    }

    [Theory]
    [InlineData("""[{"id": 1}, 5, {""")]
    [InlineData("""{"items": "none", "x": }""")]
    [InlineData("""[{"id": 1}] trailing""")]
    [InlineData("""[{"id": 1},]""")]
    [InlineData("""[{"id": 1} /* comment */]""")]
    [InlineData("   ")]
    [InlineData("\uFEFF[]")]
    public async Task MalformedBody_IsInvalidJson_EvenWhenItsShapeIsWrongBeforeTheFault(string body)
    {
        var refused = await RefusedAsync(body, "items");

        refused.Classification.Code.ShouldBe(ErrorCodes.InvalidJson);
        refused.InnerException.ShouldBeAssignableTo<JsonException>();
    }

    [Fact]
    public async Task StringThatIsNotUtf8_CannotBeRead_UnlessTheBodyIsNoJsonFurtherOn()
    {
        static async Task<HttpAnswer> BytesAsync(params byte[][] parts)
        {
            using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([.. parts.SelectMany(part => part)]) };
            return await HttpAnswer.ReadAsync(response, TimeProvider.System, CancellationToken.None);
        }

        using var notUtf8 = await BytesAsync("[{\"id\": \"a"u8.ToArray(), [0xC3, 0x28], "\"}]"u8.ToArray());
        Should.Throw<InvalidOperationException>(() => JsonRecords.ReadPage(notUtf8, "The page", null, "id", null, null));

        using var brokenLater = await BytesAsync("[{\"id\": \"a"u8.ToArray(), [0xC3, 0x28], "\"}, {"u8.ToArray());
        Should.Throw<ResyncException>(() => JsonRecords.ReadPage(brokenLater, "The page", null, "id", null, null)).Classification.Code.ShouldBe(ErrorCodes.InvalidJson);
    }

    [Fact]
    public async Task ValuesNestedDeeperThan128Levels_AreInvalidJson()
    {
        // The page's array and the record's object are two of the 128 levels.
        var deep = new string('[', 126) + new string(']', 126);
        (await ReadAsync($$"""[{"id": 1, "a": {{deep}}}]""")).Records.ShouldHaveSingleItem();

        var deeper = new string('[', 127) + new string(']', 127);
        (await RefusedAsync($$"""[{"id": 1, "a": {{deeper}}}]""")).Classification.Code.ShouldBe(ErrorCodes.InvalidJson);
    }

    [Fact]
    public async Task Item_IsTheObjectAtItsPath_OrAShapeError()
    {
        using var answer = await AnswerAsync("""{"data": {"id": 7, "n": [1]}}""");
        var item = JsonRecords.ReadItem(answer, "The record", "data", "id");
        item.Key.ShouldBe("7");
        item["n"].ShouldBeOfType<JsonElement>().GetRawText().ShouldBe("[1]");

        using var wrong = await AnswerAsync("""{"data": [{"id": 7}]}""");
        Should.Throw<ResyncException>(() => JsonRecords.ReadItem(wrong, "The record", "data", "id")).Message.ShouldContain("expected a record object at 'data'");
        using var broken = await AnswerAsync("""{"data": [}""");
        Should.Throw<ResyncException>(() => JsonRecords.ReadItem(broken, "The record", "data", "id")).Classification.Code.ShouldBe(ErrorCodes.InvalidJson);
    }
}
