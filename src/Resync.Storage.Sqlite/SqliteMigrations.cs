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
        (2, """
            ALTER TABLE runs ADD COLUMN root_run_id INTEGER REFERENCES runs(id);
            ALTER TABLE runs ADD COLUMN carries_all INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE runs ADD COLUMN pending_watermark TEXT;
            ALTER TABLE runs ADD COLUMN resolved_by_run_id INTEGER REFERENCES runs(id);
            CREATE INDEX runs_by_parent ON runs(parent_run_id);
            ALTER TABLE links ADD COLUMN state_changed_at TEXT;
            ALTER TABLE links ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE links ADD COLUMN backoff_attempts INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE links ADD COLUMN next_attempt_at TEXT;
            ALTER TABLE links ADD COLUMN definition TEXT;
            ALTER TABLE links ADD COLUMN definition_path TEXT;
            ALTER TABLE links ADD COLUMN base_directory TEXT;
            CREATE TABLE run_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id INTEGER NOT NULL REFERENCES runs(id),
                at TEXT NOT NULL,
                kind TEXT NOT NULL,
                message TEXT NOT NULL
            );
            CREATE INDEX run_events_by_run ON run_events(run_id, id);
            CREATE TABLE incomplete_runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id INTEGER NOT NULL UNIQUE REFERENCES runs(id),
                link_id TEXT NOT NULL REFERENCES links(id),
                tenant TEXT NOT NULL,
                status TEXT NOT NULL,
                error TEXT NOT NULL,
                resume_cursor TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT,
                created_at TEXT NOT NULL,
                resolved_by_run_id INTEGER REFERENCES runs(id),
                note TEXT
            );
            CREATE INDEX incomplete_runs_by_status ON incomplete_runs(status, next_attempt_at);
            CREATE TABLE incomplete_edits (
                incomplete_id INTEGER NOT NULL REFERENCES incomplete_runs(id),
                batch_number INTEGER NOT NULL,
                position INTEGER NOT NULL,
                fields TEXT NOT NULL,
                edited_at TEXT NOT NULL,
                PRIMARY KEY (incomplete_id, batch_number, position)
            ) WITHOUT ROWID;
            """),
        (3, """
            CREATE TABLE record_edits (
                run_id INTEGER NOT NULL REFERENCES runs(id),
                batch_number INTEGER NOT NULL,
                position INTEGER NOT NULL,
                fields TEXT NOT NULL,
                edited_at TEXT NOT NULL,
                PRIMARY KEY (run_id, batch_number, position)
            ) WITHOUT ROWID;
            """),
        // Link versions: each run names the version of its link's definition it ran with; each version's document is kept once.
        (4, """
            CREATE TABLE link_versions (
                link_id TEXT NOT NULL REFERENCES links(id),
                hash TEXT NOT NULL,
                document TEXT NOT NULL,
                first_used_at TEXT NOT NULL,
                PRIMARY KEY (link_id, hash)
            ) WITHOUT ROWID;
            ALTER TABLE runs ADD COLUMN link_version TEXT;
            """),
        // Each batch's commit records the watermark its page reaches: crash recovery moves the link's watermark past what committed.
        (5, """
            ALTER TABLE batches ADD COLUMN watermark TEXT;
            """),
    ];
}
