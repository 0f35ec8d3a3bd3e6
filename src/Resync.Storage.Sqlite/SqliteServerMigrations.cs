namespace Resync.Storage.Sqlite;

/// <summary>
/// The server's tables, as numbered scripts from version 100 on (the run store's scripts keep the numbers below),
/// recorded in the same <c>schema_migrations</c> table. Never edit a shipped script: add one.
/// </summary>
internal static class SqliteServerMigrations
{
    public static IReadOnlyList<(int Version, string Sql)> All { get; } =
    [
        (100, """
            CREATE TABLE server_links (
                id TEXT PRIMARY KEY,
                tenant TEXT NOT NULL,
                document TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE TABLE api_keys (
                prefix TEXT PRIMARY KEY,
                hash TEXT NOT NULL,
                scope TEXT NOT NULL,
                tenant TEXT,
                name TEXT NOT NULL,
                created_at TEXT NOT NULL,
                revoked_at TEXT
            );
            CREATE TABLE idempotency_records (
                scope TEXT NOT NULL,
                key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                status INTEGER NOT NULL,
                location TEXT,
                body TEXT NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (scope, key)
            ) WITHOUT ROWID;
            CREATE INDEX idempotency_records_by_age ON idempotency_records(created_at);
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
        (101, """
            CREATE TABLE replay_overrides (
                link_id TEXT PRIMARY KEY,
                tenant TEXT NOT NULL,
                automated_replay INTEGER NOT NULL,
                max_attempts INTEGER NOT NULL,
                updated_at TEXT NOT NULL
            );
            """),
        (102, """
            CREATE TABLE alert_routes (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant TEXT,
                name TEXT NOT NULL,
                url TEXT NOT NULL,
                link_id TEXT,
                kinds TEXT NOT NULL,
                secret TEXT NOT NULL,
                created_at TEXT NOT NULL,
                consecutive_failures INTEGER NOT NULL DEFAULT 0,
                last_delivery_id INTEGER,
                last_attempt INTEGER
            );
            CREATE TABLE alert_deliveries (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                route_id INTEGER NOT NULL,
                message_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                tenant TEXT,
                link_id TEXT,
                run_id INTEGER,
                payload TEXT NOT NULL,
                status TEXT NOT NULL,
                created_at TEXT NOT NULL,
                next_attempt_at TEXT,
                delivered_at TEXT
            );
            CREATE INDEX alert_deliveries_due ON alert_deliveries(next_attempt_at) WHERE status = 'Pending';
            CREATE INDEX alert_deliveries_by_route ON alert_deliveries(route_id, id);
            CREATE TABLE alert_delivery_attempts (
                delivery_id INTEGER NOT NULL,
                number INTEGER NOT NULL,
                at TEXT NOT NULL,
                succeeded INTEGER NOT NULL,
                status_code INTEGER,
                error TEXT,
                hint TEXT,
                PRIMARY KEY (delivery_id, number)
            ) WITHOUT ROWID;
            """),
        // Push callbacks go through the alert outbox: a delivery with a callback URL and its own secret instead of a route.
        (110, """
            ALTER TABLE alert_deliveries ADD COLUMN callback_url TEXT;
            ALTER TABLE alert_deliveries ADD COLUMN callback_secret TEXT;
            ALTER TABLE pushes ADD COLUMN callback_secret TEXT;
            CREATE INDEX alert_deliveries_callbacks ON alert_deliveries(run_id) WHERE callback_url IS NOT NULL;
            """),
        // Routes deliver in a format (webhook, slack, email) and hold alerts during automatic recovery (held deliveries wait by link).
        (160, """
            ALTER TABLE alert_routes ADD COLUMN delivery TEXT;
            CREATE INDEX alert_deliveries_held ON alert_deliveries(route_id, link_id) WHERE status = 'Held';
            """),
        // A push's status URL locates its records in a (maybe shared) run: their number, and the run's pushes by id.
        (170, """
            ALTER TABLE pushes ADD COLUMN record_count INTEGER;
            CREATE INDEX pushes_by_run ON pushes(run_id, id) WHERE run_id IS NOT NULL;
            """),
    ];
}
