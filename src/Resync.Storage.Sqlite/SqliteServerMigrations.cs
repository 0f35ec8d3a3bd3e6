using Resync.Storage.Relational;

namespace Resync.Storage.Sqlite;

/// <summary>
/// The server's tables, as numbered scripts from version 100 on (the run store's scripts keep the numbers below),
/// recorded in the same <c>schema_migrations</c> table. Never edit a shipped script: add one.
/// </summary>
internal static class SqliteServerMigrations
{
    public static IReadOnlyList<(int Version, string Sql)> All { get; } =
    [
        (100, $"""
            {ServerSchema.LinksKeysAndIdempotency(SqlDialect.Sqlite)}
            CREATE TABLE pushes (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                link_id TEXT NOT NULL,
                tenant TEXT NOT NULL,
                payload TEXT NOT NULL,
                request_id TEXT,
                callback_url TEXT,
                run_id INTEGER,
                accepted_at TEXT NOT NULL,
                finished_at TEXT
            );
            CREATE INDEX pushes_unstarted ON pushes(run_id) WHERE run_id IS NULL;
            """),
        (101, ServerSchema.ReplayOverrides(SqlDialect.Sqlite)),
        (102, $"""
            {ServerSchema.AlertRoutes(SqlDialect.Sqlite)}
            CREATE TABLE alert_deliveries (
            {ServerSchema.FirstAlertDeliveryColumns(SqlDialect.Sqlite)}
            );
            CREATE INDEX alert_deliveries_due ON alert_deliveries(next_attempt_at) WHERE status = 'Pending';
            CREATE INDEX alert_deliveries_by_route ON alert_deliveries(route_id, id);
            {ServerSchema.AlertDeliveryAttempts(SqlDialect.Sqlite)}
            """),
        // Push callbacks go through the alert outbox: a delivery with a callback URL and its own secret instead of a route.
        (110, """
            ALTER TABLE alert_deliveries ADD COLUMN callback_url TEXT;
            ALTER TABLE alert_deliveries ADD COLUMN callback_secret TEXT;
            ALTER TABLE pushes ADD COLUMN callback_secret TEXT;
            CREATE INDEX alert_deliveries_callbacks ON alert_deliveries(run_id) WHERE callback_url IS NOT NULL;
            """),
        (160, ServerSchema.AlertRouteDelivery),
        (170, ServerSchema.PushRecordCount(SqlDialect.Sqlite)),
        (180, ServerSchema.UnpurgedPushes),
    ];
}
