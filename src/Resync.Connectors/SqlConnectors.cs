using Npgsql;
using Resync.Connectors.Breakers;
using Resync.Connectors.Network;
using Resync.Connectors.Postgres;
using Resync.Connectors.Retry;
using Resync.Connectors.Sql;
using Resync.Connectors.Sqlite;
using Resync.Core.Sdk;

namespace Resync.Connectors;

/// <summary>Registers the SQL table sources and targets (PostgreSQL, SQLite) with a link-file catalog. See docs/connectors-sql.md.</summary>
public static class SqlConnectors
{
    private static readonly KeySpec Path = new("path", ValueKind.Text, "The SQLite file (relative to the link file's folder).") { Required = true, FilePath = true };

    private static readonly KeySpec ConnectionString = new("connectionString", ValueKind.Text,
        "The Npgsql connection string, e.g. 'Host=db;Database=crm;Username=resync;Password=${env:PG_PASSWORD}' (keep secrets in ${env:…}).") { Required = true };

    private static readonly KeySpec[] TargetKeys =
    [
        new("mode", ValueKind.Text, "How records are written.") { Default = "upsert", Allowed = ["insert", "upsert", "update"] },
        new("key", ValueKind.Text, "The column records are matched by (upsert and update; a unique column)."),
        new("transactional", ValueKind.Boolean, "All-or-none per batch: when any record fails, the batch is rolled back and its other records fail as rolled back.") { Default = "false" },
        new("versionColumn", ValueKind.Text, "Stale protection: a row whose version/updated-at column is newer than the record's is not overwritten; the record is Ignored as stale (upsert, update)."),
        new("batchLedger", ValueKind.Boolean, "Records each batch written in the table resync_batches beside the target table (SQLite; PostgreSQL when transactional), so that a batch a crash cut after its write is not written again by its resume. false for a database that refuses extra tables.")
            { Default = SqlTargetOptions.DefaultBatchLedger ? "true" : "false" },
    ];

    private static readonly KeySpec[] SourceKeys =
    [
        new("keyColumn", ValueKind.Text, "The column that identifies a row (the record's key; fetch by key).") { Required = true },
        new("updatedAtColumn", ValueKind.Text, "Delta pulls: only rows whose column is newer than the watermark, in (updated-at, key) order. Without it every run reads the whole table."),
    ];

    /// <summary>
    /// Registers the SQL connectors. PostgreSQL connects only where <paramref name="network"/> allows (default: anywhere, as
    /// for the CLI on a person's own machine).
    /// </summary>
    /// <param name="breakers">The circuit breakers PostgreSQL connections are opened through, one per tenant and database server (default: none).</param>
    public static ComponentCatalog AddSqlConnectors(this ComponentCatalog catalog, OutboundNetworkPolicy? network = null, ConnectionBreakers? breakers = null) => catalog
        .AddSource("postgres", "A PostgreSQL table, in pages by keyset; delta pulls by an updated-at column.",
            new ConfigSchema([ConnectionString, Table("The table to read, optionally schema-qualified (schema.table)."), .. SourceKeys]),
            (config, context) =>
            {
                context.AddClassifier(PostgresExceptionClassifier.Instance);
                return SqlTableSource.Postgres(DataSource(config.Text("connectionString", ""), network, breakers, context.Tenant),
                    config.Text("table", ""), config.Text("keyColumn", ""), config.Text("updatedAtColumn"), CallRetry.Of(context.Settings));
            })
        .AddSource("sqlite", "A SQLite table, in pages by keyset; delta pulls by an updated-at column.",
            new ConfigSchema([Path, Table("The table to read."), .. SourceKeys]),
            (config, context) =>
            {
                context.AddClassifier(SqliteExceptionClassifier.Instance);
                var path = ExistingFile(config);
                return SqlTableSource.Sqlite(path, config.Text("table", ""), config.Text("keyColumn", ""), config.Text("updatedAtColumn"), config.Trust.CheckBeforeOpen,
                    CallRetry.Of(context.Settings));
            })
        .AddTarget("postgres", "A PostgreSQL table: insert, update or upsert by key, in bulk, optionally transactional and stale-protected, exact per-record errors.",
            new ConfigSchema([ConnectionString, Table("The table to write, optionally schema-qualified (schema.table)."), .. TargetKeys]),
            (config, context) =>
            {
                context.AddClassifier(PostgresExceptionClassifier.Instance);
                return new PostgresTableTarget(DataSource(PostgresTableTarget.KeepingSessions(config.Text("connectionString", "")), network, breakers, context.Tenant),
                    config.Text("table", ""), Mode(config), config.Text("key"), Options(config), ownsDataSource: true) { Retry = CallRetry.Of(context.Settings) };
            })
        .AddTarget("sqlite", "A SQLite table: insert, update or upsert by key, one transaction per batch, optionally all-or-none and stale-protected, exact per-record errors.",
            new ConfigSchema([Path, Table("The table to write."), .. TargetKeys]),
            (config, context) =>
            {
                context.AddClassifier(SqliteExceptionClassifier.Instance);
                var path = ExistingFile(config);
                return new SqliteTableTarget(path, config.Text("table", ""), Mode(config), config.Text("key"), Options(config))
                {
                    BeforeOpen = config.Trust.CheckBeforeOpen,
                    Retry = CallRetry.Of(context.Settings),
                };
            });

    // The CLI's connections go where the string says; the server's go through its network policy.
    private static System.Data.Common.DbDataSource DataSource(string connectionString, OutboundNetworkPolicy? network, ConnectionBreakers? breakers, string tenant)
    {
        System.Data.Common.DbDataSource source = network is not { Enforced: true }
            ? NpgsqlDataSource.Create(connectionString)
            : new GuardedPostgresDataSource(connectionString, network);
        return breakers is null ? source : new BreakerPostgresDataSource(source, breakers, tenant);
    }

    private static KeySpec Table(string description) => new("table", ValueKind.Text, description) { Required = true };

    private static SqlWriteMode Mode(ConfigSection config) => Enum.Parse<SqlWriteMode>(config.Text("mode", "upsert"), ignoreCase: true);

    private static SqlTargetOptions Options(ConfigSection config) => new()
    {
        Transactional = config.Boolean("transactional", false),
        VersionColumn = config.Text("versionColumn"),
        BatchLedger = config.Boolean("batchLedger", SqlTargetOptions.DefaultBatchLedger),
    };

    private static string ExistingFile(ConfigSection config)
    {
        var path = config.ResolvePath(config.Text("path", ""));
        if (!File.Exists(path))
            config.Problem("path", $"the database file '{path}' does not exist");
        return path;
    }
}
