using System.Globalization;
using Npgsql;
using Resync.Testing.Postgres;

namespace Resync.Connectors.Tests.Postgres;

/// <summary>
/// The link the PostgreSQL outage and fault tests run: contacts paged from a fake HTTP API into the audited <c>contacts</c>
/// table (<see cref="WriteAudit"/>), one batch at a time, classified by the PostgreSQL classifier; and the SQL they check it
/// with, each statement over a connection of its own (no pooled connection from before a restart survives to fail it).
/// </summary>
internal static class PostgresContactsLink
{
    /// <summary>An API serving <paramref name="total"/> contacts <c>c00001</c>… in pages of <paramref name="pageSize"/> (<c>?page=n</c>).</summary>
    public static Task<FakeApi> StartApiAsync(int total, int pageSize, Func<int, string> name) =>
        FakeApi.StartAsync((context, seen) =>
        {
            var page = int.Parse(seen.Parameter("page") ?? "1", CultureInfo.InvariantCulture);
            var first = (page - 1) * pageSize + 1;
            var items = first > total ? [] : Enumerable.Range(first, Math.Min(pageSize, total - first + 1))
                .Select(i => new { id = $"c{i:D5}", name = name(i), email = $"c{i}@example.com" }).ToArray();
            return FakeApi.Json(context, new { items });
        });

    /// <summary>A batch a page, written one at a time, with two call attempts.</summary>
    public static LinkSettings Settings(int pageSize) => EngineRun.Settings(pageSize) with { Parallelism = 1, CallRetryAttempts = 2 };

    public static Link Link(string id, FakeApi api, ITarget target, LinkSettings settings) =>
        new(id, new HttpJsonSource(new HttpSourceOptions
        {
            Url = $"{api.Url}/contacts",
            RecordsPath = "items",
            KeyField = "id",
            // One page at a time, so that batches reach the target in page order: the tests count the batches written before a
            // fault. With several fetches at once, a page slower than the ones after it (a busy machine) is handed over pending
            // and written after them, and a fault meant for batch 4 struck before batch 3 was written.
            Paging = new HttpPaging { Style = HttpPagingStyle.Page, SizeParam = "per_page", Concurrency = 1 },
        }), [], target, settings)
        {
            Classifier = ErrorClassifier.Default.With(PostgresExceptionClassifier.Instance),
        };

    /// <summary>The real target upserting <c>contacts</c> by id.</summary>
    public static PostgresTableTarget Target(string connectionString) =>
        new(NpgsqlDataSource.Create(connectionString), "contacts", SqlWriteMode.Upsert, "id", ownsDataSource: true);

    public static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(Unpooled(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static Task<long> CountAsync(string database, string sql) => HeldWrites.ScalarAsync(Unpooled(database), sql);

    /// <summary>All <paramref name="total"/> contacts are in the table, and the audit saw each key committed once.</summary>
    public static async Task EveryRowWrittenOnceAsync(string database, int total)
    {
        (await CountAsync(database, "SELECT count(*) FROM contacts")).ShouldBe(total);
        (await CountAsync(database, "SELECT count(*) FROM writes")).ShouldBe(total);
        (await CountAsync(database, "SELECT count(*) FROM writes WHERE count > 1")).ShouldBe(0, "no key was written twice");
    }

    private static string Unpooled(string database) => database + ";Pooling=false";
}
