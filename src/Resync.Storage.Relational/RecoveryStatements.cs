namespace Resync.Storage.Relational;

/// <summary>
/// The recovery statements (<see cref="Core.Storage.IRecoveryStore"/>) that SQLite and PostgreSQL write alike. What a dialect
/// spells its own way (list parameters, typed nulls, row locks, JSON access) stays in its store.
/// </summary>
internal static class RecoveryStatements
{
    public const string SaveLinkDefinition = """
        INSERT INTO links (id, tenant, definition, definition_path, base_directory) VALUES (@linkId, @tenant, @Text, @Path, @BaseDirectory)
        ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, definition = excluded.definition,
            definition_path = excluded.definition_path, base_directory = excluded.base_directory
        """;

    public const string SelectLinkVersion = "SELECT document FROM link_versions WHERE link_id = @linkId AND hash = @hash";

    /// <summary>Parameters: <see cref="RecoveryParameters.Health"/>. The time of a state change is kept only when the state changes.</summary>
    public const string SaveLinkHealth = """
        INSERT INTO links (id, tenant, state, state_reason, consecutive_failures, backoff_attempts, next_attempt_at, state_changed_at)
        VALUES (@linkId, @tenant, @State, @StateReason, @ConsecutiveFailures, @BackoffAttempts, @NextAttemptAt, CASE WHEN @State <> 'Active' THEN @Now END)
        ON CONFLICT (id) DO UPDATE SET state = excluded.state, state_reason = excluded.state_reason,
            consecutive_failures = excluded.consecutive_failures, backoff_attempts = excluded.backoff_attempts, next_attempt_at = excluded.next_attempt_at,
            state_changed_at = CASE WHEN links.state <> excluded.state THEN @Now ELSE links.state_changed_at END
        """;

    /// <summary>A chain's pending watermark only moves forward: a lower one than kept is ignored (<see cref="Core.Storage.IRecoveryStore.SetPendingWatermarkAsync"/>).</summary>
    public const string SetPendingWatermark =
        "UPDATE runs SET pending_watermark = @watermark WHERE id = @runId AND (pending_watermark IS NULL OR pending_watermark < @watermark)";

    /// <summary>One run of a chain (<see cref="ChainRow"/>) by <c>@id</c>; PostgreSQL adds its row lock.</summary>
    public const string SelectChainRun = "SELECT id AS Id, parent_run_id AS ParentRunId, status AS Status, carries_all AS CarriesAll, kind AS Kind FROM runs WHERE id = @id";

    /// <summary>An ancestor <c>@id</c> resolved by run <c>@resolverId</c> (<see cref="Core.Recovery.RetryChain"/> decided it).</summary>
    public const string ResolveRun = "UPDATE runs SET status = 'Succeeded', resolved_by_run_id = @resolverId WHERE id = @id";

    /// <summary>The root <c>@id</c> of a resolved chain: the link's watermark moves to where the root read up to, never back.</summary>
    public const string PromoteRootWatermark = """
        UPDATE links SET watermark = r.pending_watermark FROM runs r
        WHERE r.id = @id AND links.id = r.link_id AND r.pending_watermark IS NOT NULL
          AND (links.watermark IS NULL OR links.watermark < r.pending_watermark)
        """;

    /// <summary>Parameters: <see cref="RecoveryParameters.Event"/>.</summary>
    public const string InsertRunEvent = "INSERT INTO run_events (run_id, at, kind, message) VALUES (@RunId, @At, @Kind, @Message)";

    public const string SelectRunEvents = "SELECT run_id, at, kind, message FROM run_events WHERE run_id = @runId ORDER BY id";

    public const string SelectChildRuns = "SELECT id FROM runs WHERE parent_run_id = @runId OR root_run_id = @runId ORDER BY id";

    /// <summary>Parameters: <see cref="RecoveryParameters.Incomplete"/>; answers the new id.</summary>
    public const string InsertIncomplete = """
        INSERT INTO incomplete_runs (run_id, link_id, tenant, status, error, resume_cursor, attempts, next_attempt_at, created_at, note)
        VALUES (@RunId, @LinkId, @Tenant, @Status, @Error, @ResumeCursor, @Attempts, @NextAttemptAt, @CreatedAt, @Note)
        RETURNING id
        """;

    public const string UpdateIncomplete = """
        UPDATE incomplete_runs SET status = @status, attempts = @attempts, next_attempt_at = @next,
            resolved_by_run_id = COALESCE(@resolvedByRunId, resolved_by_run_id), note = COALESCE(@note, note)
        WHERE id = @id
        """;

    public const string SelectBatchStatus = "SELECT status FROM batches WHERE run_id = @runId AND number = @batchNumber";

    /// <summary>A failed record outside a batch fetched again whole (<see cref="Core.Runs.BatchStatusExtensions.IsFetchedAgainWhole"/>, pinned by the compliance suite).</summary>
    public static string OutsideFailedBatches { get; } = OutsideAFailedBatch("o.run_id", "o.batch_number");

    /// <summary>As <see cref="OutsideFailedBatches"/>, for the batch numbered <paramref name="batchNumber"/> of the run <paramref name="runId"/>.</summary>
    public static string OutsideAFailedBatch(string runId, string batchNumber) =>
        $"NOT EXISTS (SELECT 1 FROM batches b WHERE b.run_id = {runId} AND b.number = {batchNumber} AND {FailedBatch})";

    private const string FailedBatch = "b.status IN ('Failed', 'Interrupted')";

    /// <summary>Links (<see cref="LinkRow"/>) matching <paramref name="where"/> (on <c>l</c>).</summary>
    public static string SelectLinks(string where) => $"""
        SELECT l.id AS Id, l.tenant AS Tenant, l.state AS State, l.state_reason AS StateReason, l.consecutive_failures AS ConsecutiveFailures,
               l.backoff_attempts AS BackoffAttempts, l.next_attempt_at AS NextAttemptAt, l.watermark AS Watermark,
               COALESCE((SELECT MAX(r.id) FROM runs r WHERE r.link_id = l.id), 0) AS LastRunId,
               l.definition AS Definition, l.definition_path AS DefinitionPath, l.base_directory AS BaseDirectory
        FROM links l {where} ORDER BY l.id
        """;

    /// <summary>A page (<c>@limit</c>, <c>@offset</c>) of incomplete runs (<see cref="IncompleteRow"/>) matching <paramref name="where"/> (on <c>i</c>).</summary>
    public static string SelectIncomplete(string where) => $"""
        SELECT i.id AS Id, i.run_id AS RunId, i.link_id AS LinkId, i.tenant AS Tenant, i.status AS Status, i.error AS Error,
               i.resume_cursor AS ResumeCursor, i.attempts AS Attempts, i.next_attempt_at AS NextAttemptAt, i.created_at AS CreatedAt,
               i.resolved_by_run_id AS ResolvedByRunId, i.note AS Note,
               (SELECT COUNT(*) FROM incomplete_edits e WHERE e.incomplete_id = i.id) AS Edited
        FROM incomplete_runs i {where} ORDER BY i.id LIMIT @limit OFFSET @offset
        """;

    /// <summary>A person's values for one record in <paramref name="table"/>, owned by <paramref name="owner"/>: the latest wins.</summary>
    public static string SaveEdit(string table, string owner) => $"""
        INSERT INTO {table} ({owner}, batch_number, position, fields, edited_at) VALUES (@id, @batchNumber, @position, @json, @at)
        ON CONFLICT ({owner}, batch_number, position) DO UPDATE SET fields = excluded.fields, edited_at = excluded.edited_at
        """;

    public static string SelectEdits(string table, string owner) => $"SELECT batch_number, position, fields FROM {table} WHERE {owner} = @id";
}
