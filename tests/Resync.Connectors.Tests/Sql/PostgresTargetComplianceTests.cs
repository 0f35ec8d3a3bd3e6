using Npgsql;
using Resync.Connectors.Tests.Postgres;

namespace Resync.Connectors.Tests.Sql;

/// <summary>The SQL target suite against PostgreSQL on loopback (one database for the class, tables per test).</summary>
public sealed class PostgresTargetComplianceTests(PostgresDatabaseFixture fixture) : SqlTargetCompliance, IClassFixture<PostgresDatabaseFixture>
{
    protected override string PeopleDdl(string table) => $"""
        CREATE TABLE {table} (
            id text PRIMARY KEY,
            email varchar(100) NOT NULL CONSTRAINT {table}_email_key UNIQUE,
            phone varchar(40),
            age integer CONSTRAINT age_not_negative CHECK (age >= 0),
            version bigint
        )
        """;

    protected override string EventsDdl(string table) => $"CREATE TABLE {table} (id integer PRIMARY KEY, name text, updated_at timestamptz)";

    protected override string TooLongCode => "22001";

    protected override string TooLongNames => "character varying(40)";

    protected override string NotNullCode => "23502";

    protected override string CheckCode => "23514";

    protected override bool KeepsLedgerWithoutTransactional => false;

    protected override string UniqueCode => "23505";

    protected override string UniqueNames => "_email_key";

    protected override Task ExecuteAsync(string sql) => fixture.Database.ExecuteAsync(sql);

    protected override Task<IReadOnlyList<object?[]>> QueryAsync(string sql) => fixture.Database.QueryAsync(sql);

    protected override ITarget CreateTarget(string table, SqlWriteMode mode, string? key, SqlTargetOptions? options = null) =>
        new PostgresTableTarget(NpgsqlDataSource.Create(fixture.Database.ConnectionString), table, mode, key, options, ownsDataSource: true);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification = "The source owns the data source it is given and disposes it.")]
    protected override SqlTableSource CreateSource(string table, string keyColumn, string? updatedAtColumn) =>
        SqlTableSource.Postgres(NpgsqlDataSource.Create(fixture.Database.ConnectionString), table, keyColumn, updatedAtColumn);
}
