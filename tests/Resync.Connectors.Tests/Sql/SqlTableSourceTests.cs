using Microsoft.Data.Sqlite;
using Resync.Connectors.Tests.Sqlite;

namespace Resync.Connectors.Tests.Sql;

public sealed class SqlTableSourceTests : IDisposable
{
    private readonly TempDirectory _folder = new("resync-sql-source");

    private static SourceContext Context(int batchSize, string? watermark = null) => new("sql", 1, watermark, batchSize, TimeProvider.System);

    private string CreateTable(int rows)
    {
        var path = _folder.Combine("source.db");
        SqliteFile.Execute(path, "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, updated_at TEXT);" +
            string.Concat(Enumerable.Range(1, rows).Select(i => $"INSERT INTO people VALUES ({i}, 'Person {i}', '2026-01-01T00:{i % 60:D2}:00Z');")));
        return path;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("updated_at")]
    public async Task ReadAfter_APagesCursor_ReadsThePagesAfterItsLastRow(string? updatedAt)
    {
        await using var source = SqlTableSource.Sqlite(CreateTable(17), "people", "id", updatedAt);
        var all = await SourceReading.ReadAllAsync(source, Context(5));

        var after = await SourceReading.ReadAfterAsync(source, all[1].Cursor, Context(5));

        all.Count.ShouldBe(4);
        after.SelectMany(p => p.Records).Select(r => r.Key).ShouldBe(all.Skip(2).SelectMany(p => p.Records).Select(r => r.Key));
        after.SelectMany(p => p.Records).Count().ShouldBe(7);
    }

    [Fact]
    public async Task ReadAfter_NotACursorOfThisSource_IsRefused()
    {
        await using var source = SqlTableSource.Sqlite(CreateTable(3), "people", "id");

        var refused = await Should.ThrowAsync<ArgumentException>(() => SourceReading.ReadAfterAsync(source, "page 2", Context(5)));

        refused.Message.ShouldContain("is not a cursor of a SQL table source");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
