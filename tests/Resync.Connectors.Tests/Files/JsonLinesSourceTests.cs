namespace Resync.Connectors.Tests.Files;

public sealed class JsonLinesSourceTests : IDisposable
{
    private readonly TempDirectory _folder = new("resync-files");

    [Fact]
    public async Task Objects_BecomeRecords_WithPlainValues()
    {
        var path = _folder.Write("items.jsonl", """
            {"id": 1, "name": "Ann", "price": 9.95, "active": true, "tags": ["a", "b"], "address": {"city": "Oslo"}, "note": null}

            {"id": "x-2", "big": 12345678901234567890123.5}
            """);

        var records = SourceReading.Records(await SourceReading.ReadAllAsync(new JsonLinesSource(path, keyField: "id"), 10));

        records.Select(r => r.Key).ShouldBe(["1", "x-2"]);
        var first = records[0];
        first["id"].ShouldBe(1L);
        first["price"].ShouldBe(9.95m);
        first["active"].ShouldBe(true);
        first["tags"].ShouldBe("[\"a\", \"b\"]");
        first["address"].ShouldBe("{\"city\": \"Oslo\"}");
        first.Fields.ContainsKey("note").ShouldBeTrue();
        first["note"].ShouldBeNull();
        records[1]["big"].ShouldBeOfType<decimal>();
    }

    [Fact]
    public async Task KeyField_BooleanOrEmpty_IsInvariantTextOrNoKey()
    {
        var path = _folder.Write("items.jsonl", "{\"id\": true}\n{\"id\": \"\"}\n{\"id\": 2.50}\n");

        var records = SourceReading.Records(await SourceReading.ReadAllAsync(new JsonLinesSource(path, keyField: "id"), 10));

        records.Select(r => r.Key).ShouldBe(["true", null, "2.50"]);
    }

    [Fact]
    public async Task MalformedLines_FailAlone_WithTheirLineNumbers()
    {
        var path = _folder.Write("items.jsonl", "{\"id\":1}\n{\"id\":2,\n[1,2]\n{\"id\":4}\n");

        var records = SourceReading.Records(await SourceReading.ReadAllAsync(new JsonLinesSource(path, keyField: "id"), 10));

        records.Count.ShouldBe(4);
        records[0].Key.ShouldBe("1");
        records[1].ReadError!.Code.ShouldBe(ErrorCodes.MalformedLine);
        records[1].ReadError!.Message.ShouldStartWith("line 2: not valid JSON");
        records[1]["raw"].ShouldBe("{\"id\":2,");
        records[2].ReadError!.Message.ShouldBe("line 3: expected a JSON object, found an array");
        records[3].Key.ShouldBe("4");
    }

    [Fact]
    public async Task ReadAfter_APagesCursor_ReadsThePagesAfterIt_WithTheSameBoundaries()
    {
        var path = _folder.Write("items.jsonl", string.Concat(Enumerable.Range(1, 23).Select(i => $"{{\"id\":{i}}}\n")));
        var source = new JsonLinesSource(path, keyField: "id");
        var all = await SourceReading.ReadAllAsync(source, batchSize: 5);

        var after = await SourceReading.ReadAfterAsync(source, all[1].Cursor, SourceReading.Context(5));

        after.Select(p => p.Cursor).ShouldBe(all.Skip(2).Select(p => p.Cursor));
        SourceReading.Records(after).Select(r => r.Key).ShouldBe(Enumerable.Range(11, 13).Select(i => $"{i}"));
        (await SourceReading.ReadAfterAsync(source, all[^1].Cursor, SourceReading.Context(5))).ShouldBeEmpty("nothing follows the last page");
    }

    [Fact]
    public async Task FetchPage_ByItsCursor_ReadsExactlyThatPageAgain()
    {
        var path = _folder.Write("items.jsonl", string.Concat(Enumerable.Range(1, 23).Select(i => $"{{\"id\":{i},\"text\":\"ü{i}\"}}\n")));
        var source = new JsonLinesSource(path, keyField: "id");

        var pages = await SourceReading.ReadAllAsync(source, batchSize: 5);

        pages.Select(p => p.Records.Count).ShouldBe([5, 5, 5, 5, 3]);
        pages[0].Cursor.ShouldBe("0:1");
        var again = await source.FetchPageAsync(pages[3].Cursor, SourceReading.Context(5), CancellationToken.None);
        again.Records.Select(r => r.Key).ShouldBe(["16", "17", "18", "19", "20"]);
        again.Records[0]["text"].ShouldBe("ü16");
    }

    public void Dispose() => _folder.Dispose();
}
