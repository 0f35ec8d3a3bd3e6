namespace Resync.Storage.Sqlite;

/// <summary>The schema, as numbered scripts applied once each, in order. Never edit a shipped script: add one.</summary>
internal static class SqliteMigrations
{
    public static IReadOnlyList<(int Version, string Sql)> All { get; } =
    [
        (1, """
            CREATE TABLE links (
                id TEXT PRIMARY KEY,
                tenant TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'Active',
                state_reason TEXT,
                watermark TEXT
            );
            CREATE TABLE runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                link_id TEXT NOT NULL REFERENCES links(id),
                tenant TEXT NOT NULL,
                kind TEXT NOT NULL,
                status TEXT NOT NULL,
                trigger TEXT NOT NULL,
                parent_run_id INTEGER REFERENCES runs(id),
                request_id TEXT,
                owner TEXT NOT NULL,
                started_at TEXT NOT NULL,
                ended_at TEXT,
                read INTEGER NOT NULL DEFAULT 0,
                succeeded INTEGER NOT NULL DEFAULT 0,
                failed INTEGER NOT NULL DEFAULT 0,
                ignored INTEGER NOT NULL DEFAULT 0,
                incomplete INTEGER NOT NULL DEFAULT 0,
                warnings INTEGER NOT NULL DEFAULT 0,
                batches_total INTEGER NOT NULL DEFAULT 0,
                batches_failed INTEGER NOT NULL DEFAULT 0,
                system_error TEXT
            );
            CREATE INDEX runs_by_link ON runs(link_id, id);
            CREATE INDEX runs_by_status ON runs(status);
            CREATE TABLE batches (
                run_id INTEGER NOT NULL REFERENCES runs(id),
                number INTEGER NOT NULL,
                cursor TEXT,
                status TEXT NOT NULL,
                read INTEGER NOT NULL,
                succeeded INTEGER NOT NULL DEFAULT 0,
                failed INTEGER NOT NULL DEFAULT 0,
                ignored INTEGER NOT NULL DEFAULT 0,
                warnings INTEGER NOT NULL DEFAULT 0,
                error TEXT,
                started_at TEXT NOT NULL,
                ended_at TEXT,
                PRIMARY KEY (run_id, number)
            ) WITHOUT ROWID;
            CREATE TABLE record_outcomes (
                run_id INTEGER NOT NULL,
                batch_number INTEGER NOT NULL,
                position INTEGER NOT NULL,
                record_key TEXT,
                outcome TEXT NOT NULL,
                error_scope TEXT,
                error_type TEXT,
                error_code TEXT,
                error_step TEXT,
                error_fields TEXT,
                error TEXT,
                ignored_by TEXT,
                ignore_reason TEXT,
                warnings TEXT,
                before TEXT,
                after TEXT,
                PRIMARY KEY (run_id, batch_number, position),
                FOREIGN KEY (run_id, batch_number) REFERENCES batches(run_id, number)
            ) WITHOUT ROWID;
            CREATE INDEX record_outcomes_by_group ON record_outcomes(run_id, outcome, error_type, error_code, error_step, error_fields);
            """),
    ];
}
