namespace Resync.Storage.Relational;

/// <summary>
/// The server's tables as both stores' migration scripts create them, in a dialect. The scripts have shipped: what these
/// return must stay, to the character, what each store's script said before it was written here (never edit: add a script).
/// </summary>
internal static class ServerSchema
{
    /// <summary>The tables the first server script starts with: links, API keys and idempotency records.</summary>
    public static string LinksKeysAndIdempotency(SqlDialect d) => $"""
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
            status {d.Integer} NOT NULL,
            location TEXT,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (scope, key)
        ){d.KeyedTable};
        CREATE INDEX idempotency_records_by_age ON idempotency_records(created_at);
        """;

    public static string ReplayOverrides(SqlDialect d) => $"""
        CREATE TABLE replay_overrides (
            link_id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            automated_replay {d.Integer} NOT NULL,
            max_attempts {d.Integer} NOT NULL,
            updated_at TEXT NOT NULL
        );
        """;

    public static string AlertRoutes(SqlDialect d) => $"""
        CREATE TABLE alert_routes (
            id {d.Identity},
            tenant TEXT,
            name TEXT NOT NULL,
            url TEXT NOT NULL,
            link_id TEXT,
            kinds TEXT NOT NULL,
            secret TEXT NOT NULL,
            created_at TEXT NOT NULL,
            consecutive_failures {d.Integer} NOT NULL DEFAULT 0,
            last_delivery_id {d.Integer},
            last_attempt {d.Integer}
        );
        """;

    /// <summary>The columns <c>alert_deliveries</c> was created with in both stores, one per line, indented as inside its CREATE TABLE.</summary>
    public static string FirstAlertDeliveryColumns(SqlDialect d) => $"""
            id {d.Identity},
            route_id {d.Integer} NOT NULL,
            message_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            tenant TEXT,
            link_id TEXT,
            run_id {d.Integer},
            payload TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            next_attempt_at TEXT,
            delivered_at TEXT
        """;

    public static string AlertDeliveryAttempts(SqlDialect d) => $"""
        CREATE TABLE alert_delivery_attempts (
            delivery_id {d.Integer} NOT NULL,
            number {d.Integer} NOT NULL,
            at TEXT NOT NULL,
            succeeded {d.Integer} NOT NULL,
            status_code {d.Integer},
            error TEXT,
            hint TEXT,
            PRIMARY KEY (delivery_id, number)
        ){d.KeyedTable};
        """;

    /// <summary>Routes deliver in a format (webhook, slack, email) and hold alerts during automatic recovery (held deliveries wait by link).</summary>
    public const string AlertRouteDelivery = """
        ALTER TABLE alert_routes ADD COLUMN delivery TEXT;
        CREATE INDEX alert_deliveries_held ON alert_deliveries(route_id, link_id) WHERE status = 'Held';
        """;

    /// <summary>A push's status URL locates its records in a (maybe shared) run: their number, and the run's pushes by id.</summary>
    public static string PushRecordCount(SqlDialect d) => $"""
        ALTER TABLE pushes ADD COLUMN record_count {d.Integer};
        CREATE INDEX pushes_by_run ON pushes(run_id, id) WHERE run_id IS NOT NULL;
        """;

    /// <summary>The pushes whose payload is still kept, by the end of their run: what a purge reads.</summary>
    public const string UnpurgedPushes = "CREATE INDEX pushes_unpurged ON pushes(finished_at) WHERE payload <> '';";
}
