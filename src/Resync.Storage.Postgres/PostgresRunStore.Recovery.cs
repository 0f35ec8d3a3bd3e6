using System.Data;
using Dapper;
using Npgsql;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Storage.Postgres;

/// <summary>Recovery state: link definitions and health, run chains and history, incomplete runs.</summary>
public sealed partial class PostgresRunStore
{
    public Task SaveLinkDefinitionAsync(string linkId, string tenant, LinkDefinition definition, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync("""
            INSERT INTO links (id, tenant, definition, definition_path, base_directory) VALUES (@linkId, @tenant, @Text, @Path, @BaseDirectory)
            ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, definition = excluded.definition,
                definition_path = excluded.definition_path, base_directory = excluded.base_directory
            """, new { linkId, tenant, definition.Text, definition.Path, definition.BaseDirectory }, t), cancellationToken);

    public async Task<LinkVersion?> GetLinkVersionAsync(string linkId, string hash, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var document = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT document FROM link_versions WHERE link_id = @linkId AND hash = @hash", new { linkId, hash }, cancellationToken: cancellationToken));
        return document is null ? null : new LinkVersion(hash, document);
    }

    public async Task<LinkView?> GetLinkAsync(string linkId, CancellationToken cancellationToken) =>
        (await QueryLinksAsync("WHERE l.id = @linkId", new { linkId }, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<LinkView>> ListLinksAsync(string? tenant, CancellationToken cancellationToken) =>
        QueryLinksAsync("WHERE (@tenant::text IS NULL OR l.tenant = @tenant)", new { tenant }, cancellationToken);

    public Task UpdateLinkHealthAsync(string linkId, string tenant, LinkHealth health, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync("""
            INSERT INTO links (id, tenant, state, state_reason, consecutive_failures, backoff_attempts, next_attempt_at, state_changed_at)
            VALUES (@linkId, @tenant, @State, @StateReason, @ConsecutiveFailures, @BackoffAttempts, @NextAttemptAt, CASE WHEN @State <> 'Active' THEN @Now END)
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, state_reason = excluded.state_reason,
                consecutive_failures = excluded.consecutive_failures, backoff_attempts = excluded.backoff_attempts, next_attempt_at = excluded.next_attempt_at,
                state_changed_at = CASE WHEN links.state <> excluded.state THEN @Now ELSE links.state_changed_at END
            """, new
        {
            linkId,
            tenant,
            State = health.State.ToString(),
            health.StateReason,
            ConsecutiveFailures = (long)health.ConsecutiveFailures,
            BackoffAttempts = (long)health.BackoffAttempts,
            NextAttemptAt = health.NextAttemptAt is { } next ? Text(next) : null,
            Now = Text(_clock.GetUtcNow()),
        }, t), cancellationToken);

    public Task SetPendingWatermarkAsync(long runId, string watermark, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync("UPDATE runs SET pending_watermark = @watermark WHERE id = @runId", new { runId, watermark }, t), cancellationToken);

    public Task<IReadOnlyList<long>> ResolveChainAsync(long runId, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<long>>(async (c, t) =>
        {
            const string Select = "SELECT id AS Id, parent_run_id AS ParentRunId, status AS Status, carries_all AS CarriesAll, kind AS Kind FROM runs WHERE id = @id FOR UPDATE";
            var resolved = new List<long>();
            var child = await c.QuerySingleAsync<ChainRow>(Select, new { id = runId }, t);
            if (child.Status != nameof(RunStatus.Succeeded))
                return resolved;
            // Every ancestor is resolved by this run (not by the child in between, which may have failed).
            var resolver = $"{child.Kind.ToLowerInvariant()} run {runId}";
            while (child.ParentRunId is { } parentId && child.CarriesAll != 0)
            {
                var parent = await c.QuerySingleAsync<ChainRow>(Select, new { id = parentId }, t);
                var status = Enum.Parse<RunStatus>(parent.Status);
                if (status == RunStatus.Running)
                    break;
                if (status != RunStatus.Succeeded)
                {
                    RunTransitions.Ensure(status, RunStatus.Succeeded);
                    await c.ExecuteAsync("UPDATE runs SET status = 'Succeeded', resolved_by_run_id = @runId WHERE id = @parentId", new { runId, parentId }, t);
                    await c.ExecuteAsync("INSERT INTO run_events (run_id, at, kind, message) VALUES (@parentId, @at, @kind, @message)", new
                    {
                        parentId,
                        at = Text(at),
                        kind = RunEventKinds.ResolvedByChain,
                        message = RunEventMessages.ResolvedByChain(status, resolver),
                    }, t);
                    resolved.Add(parentId);
                }
                if (parent.ParentRunId is null)
                {
                    // The root: its chain succeeded for everything, so the link's last successful sync is where the root read up to.
                    await c.ExecuteAsync("""
                        UPDATE links SET watermark = r.pending_watermark FROM runs r
                        WHERE r.id = @parentId AND links.id = r.link_id AND r.pending_watermark IS NOT NULL
                          AND (links.watermark IS NULL OR links.watermark < r.pending_watermark)
                        """, new { parentId }, t);
                }
                child = parent;
            }
            return resolved;
        }, cancellationToken);

    public Task AddRunEventAsync(RunEvent runEvent, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync("INSERT INTO run_events (run_id, at, kind, message) VALUES (@RunId, @At, @Kind, @Message)",
            new { runEvent.RunId, At = Text(runEvent.At), runEvent.Kind, runEvent.Message }, t), cancellationToken);

    public async Task<IReadOnlyList<RunEvent>> ListRunEventsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long RunId, string At, string Kind, string Message)>(new CommandDefinition(
            "SELECT run_id, at, kind, message FROM run_events WHERE run_id = @runId ORDER BY id", new { runId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new RunEvent(r.RunId, Time(r.At), r.Kind, r.Message))];
    }

    public async Task<IReadOnlyList<long>> ListChildRunsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT id FROM runs WHERE parent_run_id = @runId OR root_run_id = @runId ORDER BY id", new { runId }, cancellationToken: cancellationToken))];
    }

    public Task<long> ParkAsync(IncompleteRunView incomplete, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => ParkAsync(c, t, incomplete), cancellationToken);

    private static async Task<long> ParkAsync(NpgsqlConnection c, NpgsqlTransaction t, IncompleteRunView incomplete)
    {
        var id = await c.ExecuteScalarAsync<long>("""
            INSERT INTO incomplete_runs (run_id, link_id, tenant, status, error, resume_cursor, attempts, next_attempt_at, created_at, note)
            VALUES (@RunId, @LinkId, @Tenant, @Status, @Error, @ResumeCursor, @Attempts, @NextAttemptAt, @CreatedAt, @Note)
            RETURNING id
            """, new
        {
            incomplete.RunId,
            incomplete.LinkId,
            incomplete.Tenant,
            Status = incomplete.Status.ToString(),
            Error = StoredJson.Error(incomplete.Error),
            incomplete.ResumeCursor,
            Attempts = (long)incomplete.Attempts,
            NextAttemptAt = incomplete.NextAttemptAt is { } next ? Text(next) : null,
            CreatedAt = Text(incomplete.CreatedAt),
            incomplete.Note,
        }, t);
        await c.ExecuteAsync("INSERT INTO run_events (run_id, at, kind, message) VALUES (@RunId, @at, @kind, @message)", new
        {
            incomplete.RunId,
            at = Text(incomplete.CreatedAt),
            kind = RunEventKinds.Parked,
            message = RunEventMessages.Parked(id, incomplete),
        }, t);
        return id;
    }

    public async Task<IncompleteRunView?> GetIncompleteAsync(long id, CancellationToken cancellationToken) =>
        (await QueryIncompleteAsync("WHERE i.id = @id", new { id }, 0, 1, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<IncompleteRunView>> ListIncompleteAsync(IncompleteFilter filter, CancellationToken cancellationToken)
    {
        var statuses = (filter.Statuses ?? [IncompleteStatus.Scheduled, IncompleteStatus.Waiting]).Select(s => s.ToString()).ToArray();
        return QueryIncompleteAsync("""
            WHERE (@LinkId::text IS NULL OR i.link_id = @LinkId) AND (@Tenant::text IS NULL OR i.tenant = @Tenant) AND i.status = ANY(@statuses)
              AND (@DueBy::text IS NULL OR (i.next_attempt_at IS NOT NULL AND i.next_attempt_at <= @DueBy))
              AND (@RunId::bigint IS NULL OR i.run_id = @RunId)
            """, new { filter.LinkId, filter.Tenant, statuses, DueBy = filter.DueBy is { } due ? Text(due) : null, filter.RunId }, filter.Offset, filter.Limit, cancellationToken);
    }

    public async Task<IReadOnlyList<IncompleteCount>> CountOpenIncompleteAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        string[] statuses = [nameof(IncompleteStatus.Scheduled), nameof(IncompleteStatus.Waiting)];
        var rows = await connection.QueryAsync<(string LinkId, string Tenant, long Open)>(new CommandDefinition("""
            SELECT link_id, tenant, COUNT(*) FROM incomplete_runs WHERE status = ANY(@statuses) GROUP BY link_id, tenant ORDER BY link_id
            """, new { statuses }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new IncompleteCount(r.LinkId, r.Tenant, r.Open))];
    }

    public Task KeepInterruptedRecordsAsync(long runId, int batchNumber, IReadOnlyList<RecordOutcome> records, CancellationToken cancellationToken)
    {
        var rows = OutcomeRows(records);
        return WriteAsync(async (c, t) =>
        {
            var status = await c.ExecuteScalarAsync<string?>("SELECT status FROM batches WHERE run_id = @runId AND number = @batchNumber",
                new { runId, batchNumber = (long)batchNumber }, t);
            if (status != nameof(BatchStatus.Interrupted))
                throw new InvalidOperationException($"Batch {batchNumber} of run {runId} is {status ?? "missing"}; only an interrupted batch's records are kept this way.");
            await InsertOutcomesAsync(c, t, runId, batchNumber, rows, replace: false);
            return 0;
        }, cancellationToken);
    }

    public Task UpdateIncompleteAsync(long id, IncompleteStatus status, int attempts, DateTimeOffset? nextAttemptAt, long? resolvedByRunId, string? note, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            var current = await c.QuerySingleOrDefaultAsync<(string Status, long RunId)?>("SELECT status, run_id FROM incomplete_runs WHERE id = @id FOR UPDATE", new { id }, t)
                ?? throw new KeyNotFoundException($"There is no incomplete run {id}.");
            if (Enum.Parse<IncompleteStatus>(current.Status).IsClosed())
                throw new InvalidTransitionException("incomplete run", current.Status, status.ToString());
            await c.ExecuteAsync("""
                UPDATE incomplete_runs SET status = @status, attempts = @attempts, next_attempt_at = @next,
                    resolved_by_run_id = COALESCE(@resolvedByRunId, resolved_by_run_id), note = COALESCE(@note, note)
                WHERE id = @id
                """, new { id, status = status.ToString(), attempts = (long)attempts, next = nextAttemptAt is { } n ? Text(n) : null, resolvedByRunId, note }, t);
            if (status.IsClosed())
            {
                await c.ExecuteAsync("INSERT INTO run_events (run_id, at, kind, message) VALUES (@runId, @at, @kind, @message)", new
                {
                    runId = current.RunId,
                    at = Text(_clock.GetUtcNow()),
                    kind = status == IncompleteStatus.Discarded ? RunEventKinds.Discarded : RunEventKinds.Resumed,
                    message = RunEventMessages.IncompleteClosed(id, status, resolvedByRunId, note),
                }, t);
            }
            return 0;
        }, cancellationToken);

    public Task EditFailedRecordAsync(long runId, int batchNumber, int position, IReadOnlyDictionary<string, object?> fields, DateTimeOffset at, CancellationToken cancellationToken) =>
        SaveEditAsync("record_edits", "run_id", runId, batchNumber, position, fields, at, cancellationToken);

    public Task<IReadOnlyDictionary<(int Batch, int Position), string>> GetRecordEditsAsync(long runId, CancellationToken cancellationToken) =>
        GetEditsAsync("record_edits", "run_id", runId, cancellationToken);

    public Task EditIncompleteRecordAsync(long id, int batchNumber, int position, IReadOnlyDictionary<string, object?> fields, DateTimeOffset at, CancellationToken cancellationToken) =>
        SaveEditAsync("incomplete_edits", "incomplete_id", id, batchNumber, position, fields, at, cancellationToken);

    public Task<IReadOnlyDictionary<(int Batch, int Position), string>> GetIncompleteEditsAsync(long id, CancellationToken cancellationToken) =>
        GetEditsAsync("incomplete_edits", "incomplete_id", id, cancellationToken);

    /// <summary>Keeps a person's values for one record (of a run or of an incomplete run: <paramref name="table"/>, owned by <paramref name="owner"/>); the latest wins.</summary>
    private Task SaveEditAsync(string table, string owner, long id, int batchNumber, int position, IReadOnlyDictionary<string, object?> fields, DateTimeOffset at,
        CancellationToken cancellationToken)
    {
        var json = RecordJson.Serialize(fields);
        return WriteAsync((c, t) => c.ExecuteAsync($"""
            INSERT INTO {table} ({owner}, batch_number, position, fields, edited_at) VALUES (@id, @batchNumber, @position, @json, @at)
            ON CONFLICT ({owner}, batch_number, position) DO UPDATE SET fields = excluded.fields, edited_at = excluded.edited_at
            """, new { id, batchNumber = (long)batchNumber, position = (long)position, json, at = Text(at) }, t), cancellationToken);
    }

    private async Task<IReadOnlyDictionary<(int Batch, int Position), string>> GetEditsAsync(string table, string owner, long id, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Batch, long Position, string Fields)>(new CommandDefinition(
            $"SELECT batch_number, position, fields FROM {table} WHERE {owner} = @id", new { id }, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => ((int)r.Batch, (int)r.Position), r => r.Fields);
    }

    public async Task<FailedRecordCounts> CountFailedRecordsAsync(long runId, ErrorGroupKey? group, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<(long Retriable, long NotRetriable, long OutsideGroup, long RetriableDurable)>(new CommandDefinition($$"""
            SELECT COUNT(*) FILTER (WHERE {{InGroup}} AND {{Retriable}}),
                   COUNT(*) FILTER (WHERE {{InGroup}} AND NOT ({{Retriable}})),
                   COUNT(*) FILTER (WHERE NOT {{InGroup}}),
                   COUNT(*) FILTER (WHERE {{InGroup}} AND {{Retriable}} AND {{Durable}})
            FROM record_outcomes o
            WHERE o.run_id = @runId AND o.outcome IN ('Failed', 'Incomplete') AND {{OutsideFailedBatches}}
            """, GroupParameters(runId, group), cancellationToken: cancellationToken));
        return new FailedRecordCounts(row.Retriable, row.NotRetriable, row.OutsideGroup, row.RetriableDurable);
    }

    public async Task<IReadOnlyList<FailedRecordSnapshot>> ListRetriableFailedRecordsAsync(long runId, ErrorGroupKey? group, (int Batch, int Position)? after, int limit, CancellationToken cancellationToken)
    {
        var parameters = GroupParameters(runId, group);
        parameters.Add("limit", (long)limit);
        parameters.Add("afterBatch", (long)(after?.Batch ?? -1));
        parameters.Add("afterPosition", (long)(after?.Position ?? -1));
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Batch, long Position, string? Key, string Before, bool Durable)>(new CommandDefinition($$"""
            SELECT o.batch_number, o.position, o.record_key, o.before, COALESCE({{Durable}}, false)
            FROM record_outcomes o
            WHERE o.run_id = @runId AND o.outcome IN ('Failed', 'Incomplete') AND (o.batch_number, o.position) > (@afterBatch, @afterPosition)
              AND {{OutsideFailedBatches}} AND {{InGroup}} AND {{Retriable}}
            ORDER BY o.batch_number, o.position LIMIT @limit
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new FailedRecordSnapshot((int)r.Batch, (int)r.Position, r.Key, r.Before, r.Durable))];
    }

    // The core's rule (RecordView.IsRetriable) in SQL: the compliance suite pins the two together.
    private const string Retriable = "(o.before IS NOT NULL AND o.error_step IS DISTINCT FROM 'source')";

    // The error is kept as JSON (StoredJson: camelCase names, enums as text).
    private const string Durable = "(o.error::jsonb ->> 'durability') = 'Durable'";

    private const string OutsideFailedBatches =
        "NOT EXISTS (SELECT 1 FROM batches b WHERE b.run_id = o.run_id AND b.number = o.batch_number AND b.status IN ('Failed', 'Interrupted'))";

    // Never NULL (a record without an error is outside any group), so that NOT (InGroup) counts it outside.
    private const string InGroup =
        "COALESCE(@groupType::text IS NULL OR (o.error_type = @groupType AND o.error_code = @groupCode AND o.error_step IS NOT DISTINCT FROM @groupStep AND o.error_fields IS NOT DISTINCT FROM @groupFields), false)";

    private static DynamicParameters GroupParameters(long runId, ErrorGroupKey? group)
    {
        var parameters = new DynamicParameters();
        parameters.Add("runId", runId);
        parameters.Add("groupType", group?.Type.ToString(), DbType.String);
        parameters.Add("groupCode", group?.Code, DbType.String);
        parameters.Add("groupStep", group?.Step, DbType.String);
        parameters.Add("groupFields", group is null || group.Fields.Count == 0 ? null : string.Join(',', group.Fields), DbType.String);
        return parameters;
    }

    private async Task<IReadOnlyList<LinkView>> QueryLinksAsync(string where, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<LinkRow>(new CommandDefinition($"""
            SELECT l.id AS Id, l.tenant AS Tenant, l.state AS State, l.state_reason AS StateReason, l.consecutive_failures AS ConsecutiveFailures,
                   l.backoff_attempts AS BackoffAttempts, l.next_attempt_at AS NextAttemptAt, l.watermark AS Watermark,
                   COALESCE((SELECT MAX(r.id) FROM runs r WHERE r.link_id = l.id), 0) AS LastRunId,
                   l.definition AS Definition, l.definition_path AS DefinitionPath, l.base_directory AS BaseDirectory
            FROM links l {where} ORDER BY l.id
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new LinkView(r.Id, r.Tenant,
            new LinkHealth(Enum.Parse<LinkState>(r.State), r.StateReason, (int)r.ConsecutiveFailures, (int)r.BackoffAttempts, OptionalTime(r.NextAttemptAt)),
            r.Watermark, r.LastRunId == 0 ? null : r.LastRunId, r.Definition is null ? null : new LinkDefinition(r.Definition, r.DefinitionPath ?? "", r.BaseDirectory ?? ".")))];
    }

    private async Task<IReadOnlyList<IncompleteRunView>> QueryIncompleteAsync(string where, object parameters, int offset, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var p = new DynamicParameters(parameters);
        p.Add("offset", (long)offset);
        p.Add("limit", (long)limit);
        var rows = await connection.QueryAsync<IncompleteRow>(new CommandDefinition($"""
            SELECT i.id AS Id, i.run_id AS RunId, i.link_id AS LinkId, i.tenant AS Tenant, i.status AS Status, i.error AS Error,
                   i.resume_cursor AS ResumeCursor, i.attempts AS Attempts, i.next_attempt_at AS NextAttemptAt, i.created_at AS CreatedAt,
                   i.resolved_by_run_id AS ResolvedByRunId, i.note AS Note,
                   (SELECT COUNT(*) FROM incomplete_edits e WHERE e.incomplete_id = i.id) AS Edited
            FROM incomplete_runs i {where} ORDER BY i.id LIMIT @limit OFFSET @offset
            """, p, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new IncompleteRunView(r.Id, r.RunId, r.LinkId, r.Tenant, Enum.Parse<IncompleteStatus>(r.Status), StoredJson.Error(r.Error)!,
            r.ResumeCursor, (int)r.Attempts, OptionalTime(r.NextAttemptAt), Time(r.CreatedAt), r.ResolvedByRunId, r.Note, (int)r.Edited))];
    }

    private sealed record ChainRow(long Id, long? ParentRunId, string Status, long CarriesAll, string Kind);

    private sealed record LinkRow(string Id, string Tenant, string State, string? StateReason, long ConsecutiveFailures, long BackoffAttempts,
        string? NextAttemptAt, string? Watermark, long LastRunId, string? Definition, string? DefinitionPath, string? BaseDirectory);

    private sealed record IncompleteRow(long Id, long RunId, string LinkId, string Tenant, string Status, string Error, string? ResumeCursor, long Attempts,
        string? NextAttemptAt, string CreatedAt, long? ResolvedByRunId, string? Note, long Edited);
}
