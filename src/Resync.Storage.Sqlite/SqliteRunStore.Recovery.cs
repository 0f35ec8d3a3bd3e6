using Dapper;
using Microsoft.Data.Sqlite;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Storage.Sqlite;

/// <summary>Recovery state: link definitions and health, run chains and history, incomplete runs.</summary>
public sealed partial class SqliteRunStore
{
    public Task SaveLinkDefinitionAsync(string linkId, string tenant, LinkDefinition definition, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync((c, t) => c.Execute("""
            INSERT INTO links (id, tenant, definition, definition_path, base_directory) VALUES (@linkId, @tenant, @Text, @Path, @BaseDirectory)
            ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, definition = excluded.definition,
                definition_path = excluded.definition_path, base_directory = excluded.base_directory
            """, new { linkId, tenant, definition.Text, definition.Path, definition.BaseDirectory }, t), cancellationToken);

    public async Task<LinkVersion?> GetLinkVersionAsync(string linkId, string hash, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var document = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT document FROM link_versions WHERE link_id = @linkId AND hash = @hash", new { linkId, hash }, cancellationToken: cancellationToken));
        return document is null ? null : new LinkVersion(hash, document);
    }

    public async Task<LinkView?> GetLinkAsync(string linkId, CancellationToken cancellationToken) =>
        (await QueryLinksAsync("WHERE l.id = @linkId", new { linkId }, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<LinkView>> ListLinksAsync(string? tenant, CancellationToken cancellationToken) =>
        QueryLinksAsync("WHERE (@tenant IS NULL OR l.tenant = @tenant)", new { tenant }, cancellationToken);

    public Task UpdateLinkHealthAsync(string linkId, string tenant, LinkHealth health, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync((c, t) => c.Execute("""
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
            health.ConsecutiveFailures,
            health.BackoffAttempts,
            NextAttemptAt = health.NextAttemptAt is { } next ? Text(next) : null,
            Now = Text(_clock.GetUtcNow()),
        }, t), cancellationToken);

    public Task SetPendingWatermarkAsync(long runId, string watermark, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync((c, t) => c.Execute("UPDATE runs SET pending_watermark = @watermark WHERE id = @runId AND (pending_watermark IS NULL OR pending_watermark < @watermark)", new { runId, watermark }, t), cancellationToken);

    public Task<IReadOnlyList<long>> ResolveChainAsync(long runId, DateTimeOffset at, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync<IReadOnlyList<long>>((c, t) =>
        {
            var resolved = new List<long>();
            var child = c.QuerySingle<ChainRow>("SELECT id AS Id, parent_run_id AS ParentRunId, status AS Status, carries_all AS CarriesAll, kind AS Kind FROM runs WHERE id = @runId", new { runId }, t);
            if (child.Status != nameof(RunStatus.Succeeded))
                return resolved;
            // Every ancestor is resolved by this run (not by the child in between, which may have failed).
            var resolver = $"{child.Kind.ToLowerInvariant()} run {runId}";
            while (child.ParentRunId is { } parentId && child.CarriesAll != 0)
            {
                var parent = c.QuerySingle<ChainRow>("SELECT id AS Id, parent_run_id AS ParentRunId, status AS Status, carries_all AS CarriesAll, kind AS Kind FROM runs WHERE id = @parentId", new { parentId }, t);
                var status = Enum.Parse<RunStatus>(parent.Status);
                if (status == RunStatus.Running)
                    break;
                if (status != RunStatus.Succeeded)
                {
                    RunTransitions.Ensure(status, RunStatus.Succeeded);
                    c.Execute("UPDATE runs SET status = 'Succeeded', resolved_by_run_id = @runId WHERE id = @parentId", new { runId, parentId }, t);
                    c.Execute("INSERT INTO run_events (run_id, at, kind, message) VALUES (@parentId, @at, @kind, @message)", new
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
                    c.Execute("""
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
        Writer.ExecuteAsync((c, t) => c.Execute("INSERT INTO run_events (run_id, at, kind, message) VALUES (@RunId, @At, @Kind, @Message)",
            new { runEvent.RunId, At = Text(runEvent.At), runEvent.Kind, runEvent.Message }, t), cancellationToken);

    public async Task<IReadOnlyList<RunEvent>> ListRunEventsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<(long RunId, string At, string Kind, string Message)>(new CommandDefinition(
            "SELECT run_id, at, kind, message FROM run_events WHERE run_id = @runId ORDER BY id", new { runId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new RunEvent(r.RunId, Time(r.At), r.Kind, r.Message))];
    }

    public async Task<IReadOnlyList<long>> ListChildRunsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        return [.. await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT id FROM runs WHERE parent_run_id = @runId OR root_run_id = @runId ORDER BY id", new { runId }, cancellationToken: cancellationToken))];
    }

    public Task<long> ParkAsync(IncompleteRunView incomplete, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync((c, t) => Park(c, t, incomplete), cancellationToken);

    private static long Park(SqliteConnection c, SqliteTransaction t, IncompleteRunView incomplete)
    {
        var id = c.ExecuteScalar<long>("""
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
            incomplete.Attempts,
            NextAttemptAt = incomplete.NextAttemptAt is { } next ? Text(next) : null,
            CreatedAt = Text(incomplete.CreatedAt),
            incomplete.Note,
        }, t);
        c.Execute("INSERT INTO run_events (run_id, at, kind, message) VALUES (@RunId, @at, @kind, @message)", new
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
            WHERE (@LinkId IS NULL OR i.link_id = @LinkId) AND (@Tenant IS NULL OR i.tenant = @Tenant) AND i.status IN @statuses
              AND (@DueBy IS NULL OR (i.next_attempt_at IS NOT NULL AND i.next_attempt_at <= @DueBy))
              AND (@RunId IS NULL OR i.run_id = @RunId)
            """, new { filter.LinkId, filter.Tenant, statuses, DueBy = filter.DueBy is { } due ? Text(due) : null, filter.RunId }, filter.Offset, filter.Limit, cancellationToken);
    }

    public async Task<IReadOnlyList<IncompleteCount>> CountOpenIncompleteAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        string[] statuses = [nameof(IncompleteStatus.Scheduled), nameof(IncompleteStatus.Waiting)];
        var rows = await connection.QueryAsync<(string LinkId, string Tenant, long Open)>(new CommandDefinition("""
            SELECT link_id, tenant, COUNT(*) FROM incomplete_runs WHERE status IN @statuses GROUP BY link_id, tenant ORDER BY link_id
            """, new { statuses }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new IncompleteCount(r.LinkId, r.Tenant, r.Open))];
    }

    public Task KeepInterruptedRecordsAsync(long runId, int batchNumber, IReadOnlyList<RecordOutcome> records, CancellationToken cancellationToken)
    {
        var rows = OutcomeRows(records);
        return Writer.ExecuteAsync((c, t) =>
        {
            var status = c.ExecuteScalar<string?>("SELECT status FROM batches WHERE run_id = @runId AND number = @batchNumber", new { runId, batchNumber }, t);
            if (status != nameof(BatchStatus.Interrupted))
                throw new InvalidOperationException($"Batch {batchNumber} of run {runId} is {status ?? "missing"}; only an interrupted batch's records are kept this way.");
            InsertOutcomes(t, runId, batchNumber, rows, replace: false);
            return 0;
        }, cancellationToken);
    }

    public Task UpdateIncompleteAsync(long id, IncompleteStatus status, int attempts, DateTimeOffset? nextAttemptAt, long? resolvedByRunId, string? note, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync((c, t) =>
        {
            var current = c.QuerySingleOrDefault<(string Status, long RunId)?>("SELECT status, run_id FROM incomplete_runs WHERE id = @id", new { id }, t)
                ?? throw new KeyNotFoundException($"There is no incomplete run {id}.");
            if (Enum.Parse<IncompleteStatus>(current.Status).IsClosed())
                throw new InvalidTransitionException("incomplete run", current.Status, status.ToString());
            c.Execute("""
                UPDATE incomplete_runs SET status = @status, attempts = @attempts, next_attempt_at = @next,
                    resolved_by_run_id = COALESCE(@resolvedByRunId, resolved_by_run_id), note = COALESCE(@note, note)
                WHERE id = @id
                """, new { id, status = status.ToString(), attempts, next = nextAttemptAt is { } n ? Text(n) : null, resolvedByRunId, note }, t);
            if (status.IsClosed())
            {
                c.Execute("INSERT INTO run_events (run_id, at, kind, message) VALUES (@runId, @at, @kind, @message)", new
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
        return Writer.ExecuteAsync((c, t) => c.Execute($"""
            INSERT INTO {table} ({owner}, batch_number, position, fields, edited_at) VALUES (@id, @batchNumber, @position, @json, @at)
            ON CONFLICT ({owner}, batch_number, position) DO UPDATE SET fields = excluded.fields, edited_at = excluded.edited_at
            """, new { id, batchNumber, position, json, at = Text(at) }, t), cancellationToken);
    }

    private async Task<IReadOnlyDictionary<(int Batch, int Position), string>> GetEditsAsync(string table, string owner, long id, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<(long Batch, long Position, string Fields)>(new CommandDefinition(
            $"SELECT batch_number, position, fields FROM {table} WHERE {owner} = @id", new { id }, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => ((int)r.Batch, (int)r.Position), r => r.Fields);
    }

    public async Task<FailedRecordCounts> CountFailedRecordsAsync(long runId, ErrorGroupKey? group, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var row = await connection.QuerySingleAsync<(long Retriable, long NotRetriable, long OutsideGroup, long RetriableDurable)>(new CommandDefinition($$"""
            SELECT COALESCE(SUM(CASE WHEN {{InGroup}} AND {{Retriable}} THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN {{InGroup}} AND NOT ({{Retriable}}) THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN {{InGroup}} THEN 0 ELSE 1 END), 0),
                   COALESCE(SUM(CASE WHEN {{InGroup}} AND {{Retriable}} AND {{Durable}} THEN 1 ELSE 0 END), 0)
            FROM record_outcomes o
            WHERE o.run_id = @runId AND o.outcome IN ('Failed', 'Incomplete') AND {{OutsideFailedBatches}}
            """, GroupParameters(runId, group), cancellationToken: cancellationToken));
        return new FailedRecordCounts(row.Retriable, row.NotRetriable, row.OutsideGroup, row.RetriableDurable);
    }

    public async Task<IReadOnlyList<FailedRecordSnapshot>> ListRetriableFailedRecordsAsync(long runId, ErrorGroupKey? group, (int Batch, int Position)? after, int limit, CancellationToken cancellationToken)
    {
        var parameters = GroupParameters(runId, group);
        parameters.Add("limit", limit);
        parameters.Add("afterBatch", after?.Batch ?? -1);
        parameters.Add("afterPosition", after?.Position ?? -1);
        await using var connection = Open();
        var rows = await connection.QueryAsync<(long Batch, long Position, string? Key, string Before, long Durable)>(new CommandDefinition($$"""
            SELECT o.batch_number, o.position, o.record_key, o.before, CASE WHEN {{Durable}} THEN 1 ELSE 0 END
            FROM record_outcomes o
            WHERE o.run_id = @runId AND o.outcome IN ('Failed', 'Incomplete') AND (o.batch_number, o.position) > (@afterBatch, @afterPosition)
              AND {{OutsideFailedBatches}} AND {{InGroup}} AND {{Retriable}}
            ORDER BY o.batch_number, o.position LIMIT @limit
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new FailedRecordSnapshot((int)r.Batch, (int)r.Position, r.Key, r.Before, r.Durable != 0))];
    }

    // The core's rule (RecordView.IsRetriable) in SQL: the compliance suite pins the two together.
    private const string Retriable = "o.before IS NOT NULL AND (o.error_step IS NULL OR o.error_step <> 'source')";

    // The error is kept as JSON (StoredJson: camelCase names, enums as text).
    private const string Durable = "json_extract(o.error, '$.durability') = 'Durable'";

    private const string OutsideFailedBatches =
        "NOT EXISTS (SELECT 1 FROM batches b WHERE b.run_id = o.run_id AND b.number = o.batch_number AND b.status IN ('Failed', 'Interrupted'))";

    private const string InGroup =
        "(@groupType IS NULL OR (o.error_type = @groupType AND o.error_code = @groupCode AND o.error_step IS @groupStep AND o.error_fields IS @groupFields))";

    private static DynamicParameters GroupParameters(long runId, ErrorGroupKey? group)
    {
        var parameters = new DynamicParameters();
        parameters.Add("runId", runId);
        parameters.Add("groupType", group?.Type.ToString());
        parameters.Add("groupCode", group?.Code);
        parameters.Add("groupStep", group?.Step);
        parameters.Add("groupFields", group is null || group.Fields.Count == 0 ? null : string.Join(',', group.Fields));
        return parameters;
    }

    private async Task<IReadOnlyList<LinkView>> QueryLinksAsync(string where, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<LinkRow>(new CommandDefinition($"""
            SELECT l.id AS Id, l.tenant AS Tenant, l.state AS State, l.state_reason AS StateReason, l.consecutive_failures AS ConsecutiveFailures,
                   l.backoff_attempts AS BackoffAttempts, l.next_attempt_at AS NextAttemptAt, l.watermark AS Watermark,
                   COALESCE((SELECT MAX(r.id) FROM runs r WHERE r.link_id = l.id), 0) AS LastRunId,
                   l.definition AS Definition, l.definition_path AS DefinitionPath, l.base_directory AS BaseDirectory
            FROM links l {where} ORDER BY l.id
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new LinkView(r.Id, r.Tenant,
            new LinkHealth(Enum.Parse<LinkState>(r.State), r.StateReason, (int)r.ConsecutiveFailures, (int)r.BackoffAttempts, r.NextAttemptAt is null ? null : Time(r.NextAttemptAt)),
            r.Watermark, r.LastRunId == 0 ? null : r.LastRunId, r.Definition is null ? null : new LinkDefinition(r.Definition, r.DefinitionPath ?? "", r.BaseDirectory ?? ".")))];
    }

    private async Task<IReadOnlyList<IncompleteRunView>> QueryIncompleteAsync(string where, object parameters, int offset, int limit, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var p = new DynamicParameters(parameters);
        p.Add("offset", offset);
        p.Add("limit", limit);
        var rows = await connection.QueryAsync<IncompleteRow>(new CommandDefinition($"""
            SELECT i.id AS Id, i.run_id AS RunId, i.link_id AS LinkId, i.tenant AS Tenant, i.status AS Status, i.error AS Error,
                   i.resume_cursor AS ResumeCursor, i.attempts AS Attempts, i.next_attempt_at AS NextAttemptAt, i.created_at AS CreatedAt,
                   i.resolved_by_run_id AS ResolvedByRunId, i.note AS Note,
                   (SELECT COUNT(*) FROM incomplete_edits e WHERE e.incomplete_id = i.id) AS Edited
            FROM incomplete_runs i {where} ORDER BY i.id LIMIT @limit OFFSET @offset
            """, p, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new IncompleteRunView(r.Id, r.RunId, r.LinkId, r.Tenant, Enum.Parse<IncompleteStatus>(r.Status), StoredJson.Error(r.Error)!,
            r.ResumeCursor, (int)r.Attempts, r.NextAttemptAt is null ? null : Time(r.NextAttemptAt), Time(r.CreatedAt), r.ResolvedByRunId, r.Note, (int)r.Edited))];
    }

    private sealed record ChainRow(long Id, long? ParentRunId, string Status, long CarriesAll, string Kind);

    // Classes with setters rather than positional records: Dapper then converts column by column, which it cannot
    // do for computed columns of an empty result (their type is unknown until a row comes).
    private sealed class LinkRow
    {
        public string Id { get; set; } = "";
        public string Tenant { get; set; } = "";
        public string State { get; set; } = "";
        public string? StateReason { get; set; }
        public long ConsecutiveFailures { get; set; }
        public long BackoffAttempts { get; set; }
        public string? NextAttemptAt { get; set; }
        public string? Watermark { get; set; }
        public long LastRunId { get; set; }
        public string? Definition { get; set; }
        public string? DefinitionPath { get; set; }
        public string? BaseDirectory { get; set; }
    }

    private sealed class IncompleteRow
    {
        public long Id { get; set; }
        public long RunId { get; set; }
        public string LinkId { get; set; } = "";
        public string Tenant { get; set; } = "";
        public string Status { get; set; } = "";
        public string Error { get; set; } = "";
        public string? ResumeCursor { get; set; }
        public long Attempts { get; set; }
        public string? NextAttemptAt { get; set; }
        public string CreatedAt { get; set; } = "";
        public long? ResolvedByRunId { get; set; }
        public string? Note { get; set; }
        public long Edited { get; set; }
    }
}
