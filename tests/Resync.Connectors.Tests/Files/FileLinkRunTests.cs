using Resync.Storage.Sqlite;

namespace Resync.Connectors.Tests.Files;

/// <summary>File links run end to end: the real engine, the real SQLite run store, real files.</summary>
public sealed class FileLinkRunTests : IDisposable
{
    private readonly TempDirectory _folder = new("resync-files");

    [Fact]
    public async Task CsvToJsonLines_AMalformedLineInTheMiddle_FailsAlone_WithItsLineNumber_AndTheRestSucceed()
    {
        var lines = Enumerable.Range(1, 30).Select(i => i switch
        {
            14 => "14,\"Broken,b@x.io",
            20 => "20,Archived,z@x.io,archived",
            _ => $"{i},Person {i},p{i}@x.io",
        });
        var input = _folder.Write("in.csv", "id,name,email\n" + string.Join('\n', lines) + "\n");
        var output = _folder.Combine("out.jsonl");
        var link = new Link("files", new CsvSource(input, "id"),
            [new FilterStep("skip(id)", "id", ["7"], whenEmpty: false, "seven is skipped")],
            new JsonLinesTarget(output), new LinkSettings { BatchSize = 4, Parallelism = 2 });

        await using var store = await OpenStoreAsync();
        var result = await new RunEngine(store, TimeProvider.System).RunAsync(link, new RunRequest());

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.Counts.Read.ShouldBe(30);
        result.Counts.Failed.ShouldBe(2);
        result.Counts.Ignored.ShouldBe(1);
        result.Counts.Succeeded.ShouldBe(27);
        result.Counts.Read.ShouldBe(result.Counts.Succeeded + result.Counts.Failed + result.Counts.Ignored);

        var failed = await store.ListRecordsAsync(result.RunId, new RecordFilter(OutcomeKind.Failed), CancellationToken.None);
        failed.Select(r => r.Error!.Message).ShouldBe(["line 15: a quoted field in field 2 is never closed", "line 21: expected 3 fields, found 4"]);
        failed.ShouldAllBe(r => r.Error!.Code == ErrorCodes.MalformedLine && r.Error.Type == ErrorType.Data
            && r.Error.Scope == ErrorScope.Record && r.Error.Step == "source");
        failed[0].BeforeJson.ShouldBe("""{"line":15,"raw":"14,\u0022Broken,b@x.io"}""");
        failed[0].AfterJson.ShouldBeNull();

        var written = SourceReading.Records(await SourceReading.ReadAllAsync(new JsonLinesSource(output, "id"), 100));
        written.Select(r => int.Parse(r.Key!, System.Globalization.CultureInfo.InvariantCulture)).Order()
            .ShouldBe(Enumerable.Range(1, 30).Except([7, 14, 20]));
    }

    [Fact]
    public async Task JsonLinesToCsv_WithSteps_ConvertsAndDedupes_AndCountsBalance()
    {
        var input = _folder.Write("in.jsonl", string.Join('\n',
            """{"id":"a","qty":"3","at":"2026-01-31"}""",
            """{"id":"b","qty":"x","at":"2026-01-31"}""",
            """not json""",
            """{"id":"a","qty":"4","at":"2026-02-01"}""",
            """{"id":"c","qty":"5","at":"2026-02-02T10:00:00+01:00"}"""));
        var output = _folder.Combine("out.csv");
        var link = new Link("files", new JsonLinesSource(input, "id"),
            [new DedupeStep("dedupe(id)", "id"), new ConvertStep("convert(qty)", "qty", ConversionType.Integer), new ConvertStep("convert(at)", "at", ConversionType.Date)],
            new CsvTarget(output, ["id", "qty", "at"]), new LinkSettings { BatchSize = 10, Parallelism = 1 });

        await using var store = await OpenStoreAsync();
        var result = await new RunEngine(store, TimeProvider.System).RunAsync(link, new RunRequest());

        result.Counts.ShouldBe(new RunCounts(5, 2, 3, 0, 0, 0, 1, 0));
        var errors = (await store.ListRecordsAsync(result.RunId, new RecordFilter(OutcomeKind.Failed), CancellationToken.None))
            .Select(r => (r.Position, r.Error!.Code, r.Error.Step)).ToList();
        errors.ShouldBe([(1, ErrorCodes.InvalidType, "convert(qty)"), (2, ErrorCodes.MalformedLine, "source"), (3, ErrorCodes.DuplicateKey, "dedupe(id)")]);
        (await File.ReadAllTextAsync(output)).ShouldBe("id,qty,at\na,3,2026-01-31T00:00:00.0000000+00:00\nc,5,2026-02-02T10:00:00.0000000+01:00\n");
    }

    [Fact]
    public async Task RetryingAFailedPage_FetchesItByTheCursorTheStoreKept()
    {
        var input = _folder.Write("in.jsonl", string.Concat(Enumerable.Range(1, 10).Select(i => $"{{\"id\":{i}}}\n")));
        var source = new JsonLinesSource(input, "id");
        var link = new Link("files", source, [], new JsonLinesTarget(_folder.Combine("out.jsonl")), new LinkSettings { BatchSize = 3, Parallelism = 1 });

        await using var store = await OpenStoreAsync();
        var result = await new RunEngine(store, TimeProvider.System).RunAsync(link, new RunRequest());
        var batches = await store.ListBatchesAsync(result.RunId, 0, 10, CancellationToken.None);

        batches.Count.ShouldBe(4);
        var third = await source.FetchPageAsync(batches[2].Cursor!, new SourceContext("files", 2, null, 3, TimeProvider.System), CancellationToken.None);
        third.Records.Select(r => r.Key).ShouldBe(["7", "8", "9"]);
    }

    private async Task<SqliteRunStore> OpenStoreAsync()
    {
        var store = new SqliteRunStore(_folder.Combine("state.db"));
        await store.InitializeAsync(CancellationToken.None);
        return store;
    }

    public void Dispose() => _folder.Dispose();
}
