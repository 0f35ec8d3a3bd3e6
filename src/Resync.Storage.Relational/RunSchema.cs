namespace Resync.Storage.Relational;

/// <summary>
/// The run store's tables as both stores' migration scripts create them, in a dialect. The scripts have shipped: what these
/// return must stay, to the character, what each store's script said before it was written here (never edit: add a script).
/// </summary>
internal static class RunSchema
{
    /// <summary>The columns <c>links</c> was created with in both stores, one per line, indented as inside its CREATE TABLE.</summary>
    public static string FirstLinkColumns(SqlDialect d) => $"""
            id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'Active',
            state_reason TEXT,
            watermark {d.OrderedText}
        """;

    /// <summary>The columns <c>runs</c> was created with in both stores, one per line, indented as inside its CREATE TABLE.</summary>
    public static string FirstRunColumns(SqlDialect d) => $"""
            id {d.Identity},
            link_id TEXT NOT NULL REFERENCES links(id),
            tenant TEXT NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            trigger TEXT NOT NULL,
            parent_run_id {d.Integer} REFERENCES runs(id),
            request_id TEXT,
            owner TEXT NOT NULL,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            read {d.Integer} NOT NULL DEFAULT 0,
            succeeded {d.Integer} NOT NULL DEFAULT 0,
            failed {d.Integer} NOT NULL DEFAULT 0,
            ignored {d.Integer} NOT NULL DEFAULT 0,
            incomplete {d.Integer} NOT NULL DEFAULT 0,
            warnings {d.Integer} NOT NULL DEFAULT 0,
            batches_total {d.Integer} NOT NULL DEFAULT 0,
            batches_failed {d.Integer} NOT NULL DEFAULT 0,
            system_error TEXT
        """;

    public static string Batches(SqlDialect d) => $"""
        CREATE TABLE batches (
            run_id {d.Integer} NOT NULL REFERENCES runs(id),
            number {d.Integer} NOT NULL,
            cursor TEXT,
            status TEXT NOT NULL,
            read {d.Integer} NOT NULL,
            succeeded {d.Integer} NOT NULL DEFAULT 0,
            failed {d.Integer} NOT NULL DEFAULT 0,
            ignored {d.Integer} NOT NULL DEFAULT 0,
            warnings {d.Integer} NOT NULL DEFAULT 0,
            error TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            PRIMARY KEY (run_id, number)
        ){d.KeyedTable};
        """;

    public static string RecordOutcomes(SqlDialect d) => $"""
        {RecordOutcomesTable(d, "record_outcomes", d.KeyedTable)}
        {RecordOutcomesByGroup}
        """;

    /// <summary>The <c>record_outcomes</c> table's columns and keys, under <paramref name="table"/>, with <paramref name="options"/> after it.</summary>
    public static string RecordOutcomesTable(SqlDialect d, string table, string options) => $"""
        CREATE TABLE {table} (
            run_id {d.Integer} NOT NULL,
            batch_number {d.Integer} NOT NULL,
            position {d.Integer} NOT NULL,
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
        ){options};
        """;

    public const string RecordOutcomesByGroup =
        "CREATE INDEX record_outcomes_by_group ON record_outcomes(run_id, outcome, error_type, error_code, error_step, error_fields);";

    /// <summary>
    /// Each failed or incomplete record's answer to the retry rule (<c>retriable</c>: rebuilt from its snapshot; <c>durable</c>: its
    /// error is durable), kept as it is written, and an index that holds them with the batch: a retry's plan counts a run's
    /// failures from the index alone instead of reading each row's snapshot and error (at 20,000 failures, ~90 ms on SQLite,
    /// about a fifth of the retry). Rows written before get their answers here, from the same rule in SQL; other outcomes keep 0.
    /// </summary>
    public static string RetryColumns(SqlDialect d) => $"""
        ALTER TABLE record_outcomes ADD COLUMN retriable {d.Integer} NOT NULL DEFAULT 0;
        ALTER TABLE record_outcomes ADD COLUMN durable {d.Integer} NOT NULL DEFAULT 0;
        UPDATE record_outcomes
        SET retriable = CASE WHEN before IS NOT NULL AND (error_step IS NULL OR error_step <> 'source') THEN 1 ELSE 0 END,
            durable = CASE WHEN {d.JsonText("error", "durability")} = 'Durable' THEN 1 ELSE 0 END
        WHERE outcome IN ('Failed', 'Incomplete');
        CREATE INDEX record_outcomes_to_retry ON record_outcomes(run_id, outcome, batch_number, retriable, durable);
        """;

    public static string RunEvents(SqlDialect d) => $"""
        CREATE TABLE run_events (
            id {d.Identity},
            run_id {d.Integer} NOT NULL REFERENCES runs(id),
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            message TEXT NOT NULL
        );
        CREATE INDEX run_events_by_run ON run_events(run_id, id);
        """;

    public static string IncompleteRuns(SqlDialect d) => $"""
        CREATE TABLE incomplete_runs (
            id {d.Identity},
            run_id {d.Integer} NOT NULL UNIQUE REFERENCES runs(id),
            link_id TEXT NOT NULL REFERENCES links(id),
            tenant TEXT NOT NULL,
            status TEXT NOT NULL,
            error TEXT NOT NULL,
            resume_cursor TEXT,
            attempts {d.Integer} NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            created_at TEXT NOT NULL,
            resolved_by_run_id {d.Integer} REFERENCES runs(id),
            note TEXT
        );
        CREATE INDEX incomplete_runs_by_status ON incomplete_runs(status, next_attempt_at);
        """;

    /// <summary>A person's values for records of a run (<c>record_edits</c>) or of an incomplete run (<c>incomplete_edits</c>).</summary>
    private static string Edits(SqlDialect d, string table, string owner, string ownerTable) => $"""
        CREATE TABLE {table} (
            {owner} {d.Integer} NOT NULL REFERENCES {ownerTable}(id),
            batch_number {d.Integer} NOT NULL,
            position {d.Integer} NOT NULL,
            fields TEXT NOT NULL,
            edited_at TEXT NOT NULL,
            PRIMARY KEY ({owner}, batch_number, position)
        ){d.KeyedTable};
        """;

    public static string IncompleteEdits(SqlDialect d) => Edits(d, "incomplete_edits", "incomplete_id", "incomplete_runs");

    public static string RecordEdits(SqlDialect d) => Edits(d, "record_edits", "run_id", "runs");

    public static string LinkVersions(SqlDialect d) => $"""
        CREATE TABLE link_versions (
            link_id TEXT NOT NULL REFERENCES links(id),
            hash TEXT NOT NULL,
            document TEXT NOT NULL,
            first_used_at TEXT NOT NULL,
            PRIMARY KEY (link_id, hash)
        ){d.KeyedTable};
        ALTER TABLE runs ADD COLUMN link_version TEXT;
        """;
}
