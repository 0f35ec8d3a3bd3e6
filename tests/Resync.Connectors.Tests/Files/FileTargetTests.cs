using Record = Resync.Core.Records.Record;

namespace Resync.Connectors.Tests.Files;

public sealed class FileTargetTests : IDisposable
{
    private readonly TempDirectory _folder = new("resync-files");

    private static readonly DateTimeOffset When = new(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task Csv_RoundTrip_WritesTheHeaderOnce_AndQuotesWhatNeedsIt()
    {
        var path = _folder.Combine("out/people.csv");
        var records = new[]
        {
            Person("1", "Ann", "a, b"), Person("2", "Bob \"B\"", "line\nbreak"), Person("3", "Cy", null),
        };
        await using (var target = new CsvTarget(path))
        {
            (await target.WriteAsync(new TargetBatch("l", 1, 1, records[..2]), CancellationToken.None)).Issues.ShouldBeEmpty();
            (await target.WriteAsync(new TargetBatch("l", 1, 2, records[2..]), CancellationToken.None)).Issues.ShouldBeEmpty();
        }

        var text = await File.ReadAllTextAsync(path);
        text.ShouldStartWith("id,name,note\n1,Ann,\"a, b\"\n2,\"Bob \"\"B\"\"\",\"line\nbreak\"\n");
        var read = SourceReading.Records(await SourceReading.ReadAllAsync(new CsvSource(path, "id"), 10));
        read.Select(r => r.Key).ShouldBe(["1", "2", "3"]);
        read[1]["name"].ShouldBe("Bob \"B\"");
        read[1]["note"].ShouldBe("line\nbreak");
        read[2]["note"].ShouldBe("");
    }

    [Fact]
    public async Task Csv_ARecordOfOneEmptyField_IsWrittenQuoted_AndReadBack_NotTakenForABlankLine()
    {
        var path = _folder.Combine("notes.csv");
        await using (var target = new CsvTarget(path, fields: ["note"]))
            await target.WriteAsync(new TargetBatch("l", 1, 1, [new Record(null, new Dictionary<string, object?> { ["note"] = "" }), new Record(null, new Dictionary<string, object?> { ["note"] = "x" })]), CancellationToken.None);

        (await File.ReadAllTextAsync(path)).ShouldBe("note\n\"\"\nx\n");
        SourceReading.Records(await SourceReading.ReadAllAsync(new CsvSource(path), 10)).Select(r => r["note"]).ShouldBe(["", "x"]);
    }

    [Theory]
    [InlineData('"')]
    [InlineData('\n')]
    [InlineData('§')]
    public void Csv_ADelimiterThatIsAQuoteALineBreakOrNotAscii_IsRefused(char delimiter)
    {
        Should.Throw<ArgumentException>(() => new CsvTarget(_folder.Combine("x.csv"), delimiter: delimiter)).Message.ShouldContain("one ASCII character");
        Should.Throw<ArgumentException>(() => new CsvSource(_folder.Combine("x.csv"), delimiter: delimiter)).Message.ShouldContain("one ASCII character");
    }

    [Fact]
    public async Task Csv_AppendingToAnExistingFile_KeepsItsHeader_AndItsColumnOrder()
    {
        var path = _folder.Write("people.csv", "note,id,name\nold,0,Zed\n");
        await using (var target = new CsvTarget(path))
            await target.WriteAsync(new TargetBatch("l", 1, 1, [Person("1", "Ann", "new")]), CancellationToken.None);

        (await File.ReadAllTextAsync(path)).ShouldBe("note,id,name\nold,0,Zed\nnew,1,Ann\n");
    }

    [Fact]
    public async Task Csv_WithoutFields_ARecordWithAnUnknownField_FailsAlone()
    {
        var path = _folder.Combine("people.csv");
        var odd = Person("2", "Bob", "x");
        odd.Fields["extra"] = 5L;
        await using var target = new CsvTarget(path);

        var result = await target.WriteAsync(new TargetBatch("l", 1, 1, [Person("1", "Ann", "x"), odd, Person("3", "Cy", "x")]), CancellationToken.None);

        var issue = result.Issues.ShouldHaveSingleItem();
        issue.Index.ShouldBe(1);
        issue.Error!.Code.ShouldBe(ErrorCodes.UnexpectedShape);
        issue.Error.Fields.ShouldBe(["extra"]);
        (await File.ReadAllLinesAsync(path)).Length.ShouldBe(3);
    }

    [Fact]
    public async Task Csv_WithFields_WritesThoseColumnsInThatOrder_AndTypedValuesAsInvariantText()
    {
        var path = _folder.Combine("people.csv");
        var record = new Record("1", new() { ["id"] = "1", ["price"] = 9.5m, ["ok"] = true, ["at"] = When, ["dropped"] = "x" });
        await using (var target = new CsvTarget(path, ["at", "id", "price", "ok", "missing"], delimiter: ';'))
            await target.WriteAsync(new TargetBatch("l", 1, 1, [record]), CancellationToken.None);

        (await File.ReadAllTextAsync(path)).ShouldBe("at;id;price;ok;missing\n2026-03-01T09:30:00.0000000+00:00;1;9.5;true;\n");
    }

    [Fact]
    public async Task JsonLines_RoundTrip_KeepsTypes()
    {
        var path = _folder.Combine("items.jsonl");
        var record = new Record("1", new() { ["id"] = 1L, ["name"] = "Ann \"A\"", ["price"] = 9.95m, ["ok"] = false, ["at"] = When, ["none"] = null });
        await using (var target = new JsonLinesTarget(path))
        {
            await target.WriteAsync(new TargetBatch("l", 1, 1, [record]), CancellationToken.None);
            await target.WriteAsync(new TargetBatch("l", 1, 2, [new Record("2", new() { ["id"] = 2L, ["city"] = "Zürich" })]), CancellationToken.None);
        }

        (await File.ReadAllLinesAsync(path)).ShouldBe(
        [
            """{"id":1,"name":"Ann \"A\"","price":9.95,"ok":false,"at":"2026-03-01T09:30:00.0000000+00:00","none":null}""",
            """{"id":2,"city":"Zürich"}""",
        ]);
        var read = SourceReading.Records(await SourceReading.ReadAllAsync(new JsonLinesSource(path, "id"), 10));
        read[0].Fields.ShouldBe(new Dictionary<string, object?>
        {
            ["id"] = 1L, ["name"] = "Ann \"A\"", ["price"] = 9.95m, ["ok"] = false, ["at"] = "2026-03-01T09:30:00.0000000+00:00", ["none"] = null,
        });
    }

    [Fact]
    public async Task JsonLines_NestedJsonValue_IsWrittenAsJson()
    {
        var path = _folder.Combine("items.jsonl");
        using var address = System.Text.Json.JsonDocument.Parse("""{"city":"Zürich"}""");
        await using (var target = new JsonLinesTarget(path))
            await target.WriteAsync(new TargetBatch("l", 1, 1, [new Record("1", new() { ["id"] = 1L, ["address"] = address.RootElement })]), CancellationToken.None);

        (await File.ReadAllTextAsync(path)).ShouldBe("{\"id\":1,\"address\":{\"city\":\"Zürich\"}}\n");
    }

    [Fact]
    public async Task JsonLines_WithFields_WritesOnlyThose_InThatOrder()
    {
        var path = _folder.Combine("items.jsonl");
        await using (var target = new JsonLinesTarget(path, ["name", "id", "missing"]))
            await target.WriteAsync(new TargetBatch("l", 1, 1, [Person("1", "Ann", "x")]), CancellationToken.None);

        (await File.ReadAllTextAsync(path)).ShouldBe("{\"name\":\"Ann\",\"id\":\"1\",\"missing\":null}\n");
    }

    [Fact]
    public async Task ParallelBatches_AreAppendedWhole_NeverInterleaved()
    {
        var path = _folder.Combine("items.jsonl");
        await using (var target = new JsonLinesTarget(path))
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(batch => Task.Run(() => target.WriteAsync(
                new TargetBatch("l", 1, batch + 1, [.. Enumerable.Range(0, 100).Select(i => Person($"{batch}-{i}", $"n{batch}", "x"))]),
                CancellationToken.None))));
        }

        var keys = SourceReading.Records(await SourceReading.ReadAllAsync(new JsonLinesSource(path, "id"), 1000)).Select(r => r.Key!).ToList();
        keys.Count.ShouldBe(800);
        keys.Chunk(100).ShouldAllBe(chunk => chunk.Select(k => k.Split('-')[0]).Distinct().Count() == 1);
    }

    private static Record Person(string id, string name, string? note) => new(id, new() { ["id"] = id, ["name"] = name, ["note"] = note });

    public void Dispose() => _folder.Dispose();
}
