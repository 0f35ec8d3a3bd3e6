namespace Resync.Connectors.Tests.Files;

/// <summary>Files far larger than a page are streamed: the source holds one page at a time.</summary>
public sealed class LargeFileTests : IDisposable
{
    private const int Lines = 200_000;
    private const int BatchSize = 1000;
    private readonly TempDirectory _folder = new("resync-files");

    [Fact]
    public async Task Csv_200kLines_IsReadOnePageAtATime_WithFlatMemory()
    {
        var path = _folder.Combine("big.csv");
        await using (var writer = new StreamWriter(path))
        {
            await writer.WriteLineAsync("id,name,email,notes");
            for (var i = 1; i <= Lines; i++)
                await writer.WriteLineAsync(i == 123_457 ? "broken" : $"{i},Person {i},person{i}@example.com,\"some, quoted notes for {i}\"");
        }

        await AssertStreamedAsync(new CsvSource(path, "id"), expectedFailures: 1);
    }

    [Fact]
    public async Task JsonLines_200kLines_IsReadOnePageAtATime_WithFlatMemory()
    {
        var path = _folder.Combine("big.jsonl");
        await using (var writer = new StreamWriter(path))
        {
            for (var i = 1; i <= Lines; i++)
                await writer.WriteLineAsync($"{{\"id\":{i},\"name\":\"Person {i}\",\"email\":\"person{i}@example.com\",\"score\":{i % 100}.5}}");
        }

        await AssertStreamedAsync(new JsonLinesSource(path, "id"), expectedFailures: 0);
    }

    private static async Task AssertStreamedAsync(ISource source, int expectedFailures)
    {
        var fileBytes = 0L;
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var peakGrowth = 0L;
        var pages = 0;
        var records = 0;
        var failures = 0;
        await foreach (var page in source.ReadAsync(new SourceContext("big", 1, null, BatchSize, TimeProvider.System), CancellationToken.None))
        {
            page.Records.Count.ShouldBeLessThanOrEqualTo(BatchSize);
            pages++;
            records += page.Records.Count;
            failures += page.Records.Count(r => r.ReadError is not null);
            if (pages % 50 == 0)
                peakGrowth = Math.Max(peakGrowth, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            fileBytes = Math.Max(fileBytes, long.Parse(page.Cursor.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture));
        }

        pages.ShouldBe(Lines / BatchSize);
        records.ShouldBe(Lines);
        failures.ShouldBe(expectedFailures);
        fileBytes.ShouldBeGreaterThan(10_000_000);
        // Holding the file's records would take hundreds of megabytes; one page and the read buffer take well under 8 MB.
        peakGrowth.ShouldBeLessThan(8 * 1024 * 1024);
    }

    public void Dispose() => _folder.Dispose();
}
