namespace Resync.Connectors.Tests.Files;

public sealed class CsvSourceTests : IDisposable
{
    private readonly TempDirectory _folder = new("resync-files");

    [Fact]
    public async Task Rows_BecomeTextRecords_KeyedByTheKeyField_InPagesOfTheBatchSize()
    {
        var path = _folder.Write("people.csv", "id,name,email\n1,Ann,ann@x.io\r\n2,\"Smith, Bob\",bob@x.io\n\n3,\"Say \"\"hi\"\"\",\n4,\"two\nlines\",d@x.io\n5,Eve,e@x.io");

        var pages = await SourceReading.ReadAllAsync(new CsvSource(path, keyField: "id"), batchSize: 2);

        pages.Select(p => p.Records.Count).ShouldBe([2, 2, 1]);
        var records = SourceReading.Records(pages);
        records.Select(r => r.Key).ShouldBe(["1", "2", "3", "4", "5"]);
        records.ShouldAllBe(r => r.ReadError == null);
        records[1]["name"].ShouldBe("Smith, Bob");
        records[2]["name"].ShouldBe("Say \"hi\"");
        records[2]["email"].ShouldBe("");
        records[3]["name"].ShouldBe("two\nlines");
        records[4].Fields.Keys.ShouldBe(["id", "name", "email"]);
    }

    [Fact]
    public async Task MalformedRows_FailAlone_WithTheirLineNumbers_AndTheRestAreRead()
    {
        var path = _folder.Write("people.csv", string.Join('\n',
            "id,name,email",
            "1,Ann,ann@x.io",
            "2,Bob",                     // line 3: too few fields
            "3,\"Cy,cy@x.io",            // line 4: a quote never closed (the next lines hold no quote)
            "4,Dee,dee@x.io",
            "5,Eve\"s,eve@x.io",         // line 6: a quote inside an unquoted field
            "6,\"Fay\"x,fay@x.io",       // line 7: text after a closing quote
            "7,Gus,gus@x.io"));

        var records = SourceReading.Records(await SourceReading.ReadAllAsync(new CsvSource(path, keyField: "id"), batchSize: 100));

        records.Count.ShouldBe(7);
        records.Where(r => r.ReadError is null).Select(r => r.Key).ShouldBe(["1", "4", "7"]);
        var failed = records.Where(r => r.ReadError is not null).ToList();
        failed.Select(r => r["line"]).ShouldBe([3L, 4L, 6L, 7L]);
        failed.ShouldAllBe(r => r.ReadError!.Code == ErrorCodes.MalformedLine && r.ReadError.Type == ErrorType.Data);
        failed[0].ReadError!.Message.ShouldBe("line 3: expected 3 fields, found 2");
        failed[1].ReadError!.Message.ShouldStartWith("line 4: ");
        failed[1]["raw"].ShouldBe("3,\"Cy,cy@x.io");
        failed[2].ReadError!.Message.ShouldContain("quote inside the unquoted field 2");
    }

    [Fact]
    public async Task BrokenQuote_FollowedByQuotedRows_CostsOnlyItsOwnLine()
    {
        var path = _folder.Write("people.csv", "id,name\n1,\"Ann\n2,\"Bob\"\n3,\"Cy\"\n");

        var records = SourceReading.Records(await SourceReading.ReadAllAsync(new CsvSource(path, keyField: "id"), batchSize: 10));

        records.Select(r => r.ReadError is null ? r.Key : $"bad@{r["line"]}").ShouldBe(["bad@2", "2", "3"]);
    }

    [Fact]
    public async Task ReadAfter_APagesCursor_ReadsThePagesAfterIt_WithTheHeadersColumns()
    {
        var path = _folder.Write("people.csv", "id,name\n" + string.Concat(Enumerable.Range(1, 12).Select(i => $"{i},\"Name, {i}\"\n")));
        var source = new CsvSource(path, keyField: "id");
        var all = await SourceReading.ReadAllAsync(source, batchSize: 4);

        var after = await SourceReading.ReadAfterAsync(source, all[0].Cursor, SourceReading.Context(4));

        after.Select(p => p.Cursor).ShouldBe(all.Skip(1).Select(p => p.Cursor));
        var records = SourceReading.Records(after);
        records.Select(r => r.Key).ShouldBe(Enumerable.Range(5, 8).Select(i => $"{i}"));
        records[0]["name"].ShouldBe("Name, 5");
    }

    [Fact]
    public async Task FetchPage_ByItsCursor_ReadsExactlyThatPageAgain_WithTheSameLineNumbers()
    {
        var lines = Enumerable.Range(1, 25).Select(i => i == 13 ? "13,broken" : $"{i},name {i},\"x\"\"{i}\"");
        var path = _folder.Write("people.csv", "\uFEFFid,name,note\n" + string.Join("\r\n", lines) + "\n");
        var source = new CsvSource(path, keyField: "id");

        var pages = await SourceReading.ReadAllAsync(source, batchSize: 10);
        pages.Select(p => p.Cursor).First().ShouldBe("16:2");

        foreach (var page in pages)
        {
            var again = await source.FetchPageAsync(page.Cursor, SourceReading.Context(10), CancellationToken.None);
            again.Cursor.ShouldBe(page.Cursor);
            again.Records.Select(r => r.Key).ShouldBe(page.Records.Select(r => r.Key));
            again.Records.Select(r => r.ReadError?.Message).ShouldBe(page.Records.Select(r => r.ReadError?.Message));
        }
        var second = await source.FetchPageAsync(pages[1].Cursor, SourceReading.Context(10), CancellationToken.None);
        second.Records[2].ReadError!.Message.ShouldBe("line 14: expected 3 fields, found 2");
        second.Records[0]["note"].ShouldBe("x\"11");
    }

    [Fact]
    public async Task WithoutHeader_ColumnsAreNamedOrNumbered_AndTheDelimiterIsHonoured()
    {
        var path = _folder.Write("plain.tsv", "a\tb\nc\td\n");

        var numbered = SourceReading.Records(await SourceReading.ReadAllAsync(new CsvSource(path, delimiter: '\t', header: false), 10));
        var named = SourceReading.Records(await SourceReading.ReadAllAsync(new CsvSource(path, "code", '\t', header: false, columns: ["code", "label"]), 10));

        numbered[1].Fields.ShouldBe(new Dictionary<string, object?> { ["column1"] = "c", ["column2"] = "d" });
        named.Select(r => r.Key).ShouldBe(["a", "c"]);
        named[0]["label"].ShouldBe("b");
    }

    [Fact]
    public async Task MissingFile_OrKeyFieldNotInTheHeader_StopsTheRead_WithAClassifiedError()
    {
        var missing = await Should.ThrowAsync<ResyncException>(() => SourceReading.ReadAllAsync(new CsvSource(_folder.Combine("none.csv")), 10));
        missing.Classification.Code.ShouldBe(ErrorCodes.FileNotFound);

        var path = _folder.Write("people.csv", "id,name\n1,Ann\n");
        var noKey = await Should.ThrowAsync<ResyncException>(() => SourceReading.ReadAllAsync(new CsvSource(path, keyField: "email"), 10));
        noKey.Message.ShouldContain("no column 'email'");
    }

    [Fact]
    public async Task BytesThatAreNotUtf8_FailTheirLineOnly()
    {
        var path = _folder.Combine("latin1.csv");
        await File.WriteAllBytesAsync(path, [.. "id,name\n1,Ann\n2,Ren"u8, 0xE9, .. "\n3,Cy\n"u8]);

        var records = SourceReading.Records(await SourceReading.ReadAllAsync(new CsvSource(path, keyField: "id"), 10));

        records.Select(r => r.ReadError?.Message ?? r.Key).ShouldBe(["1", "line 3: the line is not valid UTF-8", "3"]);
    }

    public void Dispose() => _folder.Dispose();
}
