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
    ];
}
