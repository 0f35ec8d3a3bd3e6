using Microsoft.Data.Sqlite;
using Resync.Connectors.Tests.Sqlite;

namespace Resync.Connectors.Tests.Sql;

/// <summary>The SQL target suite against a SQLite file of its own per test.</summary>
public sealed class SqliteTargetComplianceTests : SqlTargetCompliance, IDisposable
{
    private readonly TempDirectory _folder = new("resync-sqlite-compliance");

    private string DatabasePath => _folder.Combine("target.db");

    protected override string PeopleDdl(string table) => $"""
        CREATE TABLE {table} (
            id TEXT PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            phone TEXT CONSTRAINT phone_max_40 CHECK (length(phone) <= 40),
            age INTEGER CONSTRAINT age_not_negative CHECK (age >= 0),
            version INTEGER
        )
        """;

    protected override string EventsDdl(string table) => $"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT, updated_at TEXT)";

    protected override string TooLongCode => "SQLITE_CONSTRAINT_CHECK";

    protected override string TooLongNames => "phone_max_40";

    protected override string NotNullCode => "SQLITE_CONSTRAINT_NOTNULL";

    protected override string CheckCode => "SQLITE_CONSTRAINT_CHECK";

    protected override bool KeepsLedgerWithoutTransactional => true;

    protected override string UniqueCode => "SQLITE_CONSTRAINT_UNIQUE";

    protected override string UniqueNames => ".email";

    protected override Task ExecuteAsync(string sql)
    {
        SqliteFile.Execute(DatabasePath, sql);
        return Task.CompletedTask;
    }

    protected override Task<IReadOnlyList<object?[]>> QueryAsync(string sql) => Task.FromResult<IReadOnlyList<object?[]>>(SqliteFile.Query(DatabasePath, sql));

    protected override ITarget CreateTarget(string table, SqlWriteMode mode, string? key, SqlTargetOptions? options = null) =>
        new SqliteTableTarget(DatabasePath, table, mode, key, options);

    protected override SqlTableSource CreateSource(string table, string keyColumn, string? updatedAtColumn) =>
        SqlTableSource.Sqlite(DatabasePath, table, keyColumn, updatedAtColumn);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
