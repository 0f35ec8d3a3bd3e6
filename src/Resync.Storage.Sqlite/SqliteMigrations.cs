using Resync.Storage.Relational;

namespace Resync.Storage.Sqlite;

/// <summary>The schema, as numbered scripts applied once each, in order. Never edit a shipped script: add one.</summary>
internal static class SqliteMigrations
{
    public static IReadOnlyList<(int Version, string Sql)> All { get; } =
    [
        (1, $"""
            CREATE TABLE links (
            {RunSchema.FirstLinkColumns(SqlDialect.Sqlite)}
            );
            CREATE TABLE runs (
            {RunSchema.FirstRunColumns(SqlDialect.Sqlite)}
            );
            CREATE INDEX runs_by_link ON runs(link_id, id);
            CREATE INDEX runs_by_status ON runs(status);
            {RunSchema.Batches(SqlDialect.Sqlite)}
            {RunSchema.RecordOutcomes(SqlDialect.Sqlite)}
            """),
        (2, $"""
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
            {RunSchema.RunEvents(SqlDialect.Sqlite)}
            {RunSchema.IncompleteRuns(SqlDialect.Sqlite)}
            {RunSchema.IncompleteEdits(SqlDialect.Sqlite)}
            """),
        (3, RunSchema.RecordEdits(SqlDialect.Sqlite)),
        // Link versions: each run names the version of its link's definition it ran with; each version's document is kept once.
        (4, RunSchema.LinkVersions(SqlDialect.Sqlite)),
        // Each batch's commit records the watermark its page reaches: crash recovery moves the link's watermark past what committed.
        (5, """
            ALTER TABLE batches ADD COLUMN watermark TEXT;
            """),
        // Record outcomes in a table with rowids. Without them (clustered on the key), SQLite keeps at most ~1,000 bytes of a
        // row in its b-tree page and moves the rest to an overflow page of its own: a failed record's outcome (its error and
        // two snapshots, ~1 KB and often more) took a whole 4 KB page, written to the WAL and again at each checkpoint.
        (6, $"""
            {RunSchema.RecordOutcomesTable(SqlDialect.Sqlite, "record_outcomes_rows", options: "")}
            INSERT INTO record_outcomes_rows SELECT * FROM record_outcomes ORDER BY run_id, batch_number, position;
            DROP TABLE record_outcomes;
            ALTER TABLE record_outcomes_rows RENAME TO record_outcomes;
            {RunSchema.RecordOutcomesByGroup}
            """),
        // Each failed record's retry answers kept with it, and indexed: a retry's plan counts without reading the rows.
        (7, RunSchema.RetryColumns(SqlDialect.Sqlite)),
    ];
}
