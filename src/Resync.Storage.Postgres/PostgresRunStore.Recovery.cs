using System.Data;
using Dapper;
using Npgsql;
using Resync.Core.Links;
using Resync.Core.Recovery;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Storage.Relational;

namespace Resync.Storage.Postgres;

/// <summary>Recovery state: link definitions and health, run chains and history, incomplete runs.</summary>
public sealed partial class PostgresRunStore
{
    public Task SaveLinkDefinitionAsync(string linkId, string tenant, LinkDefinition definition, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(RecoveryStatements.SaveLinkDefinition,
            new { linkId, tenant, definition.Text, definition.Path, definition.BaseDirectory }, t), cancellationToken);

    public async Task<LinkVersion?> GetLinkVersionAsync(string linkId, string hash, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var document = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            RecoveryStatements.SelectLinkVersion, new { linkId, hash }, cancellationToken: cancellationToken));
        return document is null ? null : new LinkVersion(hash, document);
    }

    public async Task<LinkView?> GetLinkAsync(string linkId, CancellationToken cancellationToken) =>
        (await QueryLinksAsync("WHERE l.id = @linkId", new { linkId }, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<LinkView>> ListLinksAsync(string? tenant, CancellationToken cancellationToken) =>
        QueryLinksAsync("WHERE (@tenant::text IS NULL OR l.tenant = @tenant)", new { tenant }, cancellationToken);

    public Task UpdateLinkHealthAsync(string linkId, string tenant, LinkHealth health, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(RecoveryStatements.SaveLinkHealth, RecoveryParameters.Health(linkId, tenant, health, _clock.GetUtcNow()), t), cancellationToken);

    public Task SetPendingWatermarkAsync(long runId, string watermark, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(RecoveryStatements.SetPendingWatermark, new { runId, watermark }, t), cancellationToken);

    public Task<IReadOnlyList<long>> ResolveChainAsync(long runId, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<long>>(async (c, t) =>
        {
            // Each run of the chain is locked as it is read: a concurrent resolution of the same chain waits for this one.
            async Task<ChainRun> ReadAsync(long id) => (await c.QuerySingleAsync<ChainRow>(RecoveryStatements.SelectChainRun + " FOR UPDATE", new { id }, t)).ToRun();
            if (RetryChain.From(await ReadAsync(runId), at) is not { } chain)
                return [];
            while (chain.NextParentId is { } parentId)
            {
                var step = chain.Step(await ReadAsync(parentId));
                if (step.Resolved is { } entry)
                {
                    await c.ExecuteAsync(RecoveryStatements.ResolveRun, new { id = parentId, resolverId = runId }, t);
                    await c.ExecuteAsync(RecoveryStatements.InsertRunEvent, RecoveryParameters.Event(entry), t);
                }
                if (step.IsRoot)
                    await c.ExecuteAsync(RecoveryStatements.PromoteRootWatermark, new { id = parentId }, t);
            }
            return chain.Resolved;
        }, cancellationToken);

    public Task AddRunEventAsync(RunEvent runEvent, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(RecoveryStatements.InsertRunEvent, RecoveryParameters.Event(runEvent), t), cancellationToken);

    public async Task<IReadOnlyList<RunEvent>> ListRunEventsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long RunId, string At, string Kind, string Message)>(new CommandDefinition(
            RecoveryStatements.SelectRunEvents, new { runId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new RunEvent(r.RunId, Time(r.At), r.Kind, r.Message))];
    }

    public async Task<IReadOnlyList<long>> ListChildRunsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<long>(new CommandDefinition(
            RecoveryStatements.SelectChildRuns, new { runId }, cancellationToken: cancellationToken))];
    }

    public Task<long> ParkAsync(IncompleteRunView incomplete, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => ParkAsync(c, t, incomplete), cancellationToken);

    private static async Task<long> ParkAsync(NpgsqlConnection c, NpgsqlTransaction t, IncompleteRunView incomplete)
    {
        var id = await c.ExecuteScalarAsync<long>(RecoveryStatements.InsertIncomplete, RecoveryParameters.Incomplete(incomplete), t);
        await c.ExecuteAsync(RecoveryStatements.InsertRunEvent, RecoveryParameters.Event(RunEventMessages.ParkedEntry(id, incomplete)), t);
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
            var status = await c.ExecuteScalarAsync<string?>(RecoveryStatements.SelectBatchStatus, new { runId, batchNumber = (long)batchNumber }, t);
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
            await c.ExecuteAsync(RecoveryStatements.UpdateIncomplete, RecoveryParameters.IncompleteUpdate(id, status, attempts, nextAttemptAt, resolvedByRunId, note), t);
            if (status.IsClosed())
            {
                await c.ExecuteAsync(RecoveryStatements.InsertRunEvent, RecoveryParameters.Event(
                    RunEventMessages.IncompleteClosedEntry(current.RunId, id, status, resolvedByRunId, note, _clock.GetUtcNow())), t);
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
        return WriteAsync((c, t) => c.ExecuteAsync(RecoveryStatements.SaveEdit(table, owner), RecoveryParameters.Edit(id, batchNumber, position, json, at), t), cancellationToken);
    }

    private async Task<IReadOnlyDictionary<(int Batch, int Position), string>> GetEditsAsync(string table, string owner, long id, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Batch, long Position, string Fields)>(new CommandDefinition(
            RecoveryStatements.SelectEdits(table, owner), new { id }, cancellationToken: cancellationToken));
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

    private const string OutsideFailedBatches = RecoveryStatements.OutsideFailedBatches;

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
        var rows = await connection.QueryAsync<LinkRow>(new CommandDefinition(RecoveryStatements.SelectLinks(where), parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToView())];
    }

    private async Task<IReadOnlyList<IncompleteRunView>> QueryIncompleteAsync(string where, object parameters, int offset, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        var p = new DynamicParameters(parameters);
        p.Add("offset", (long)offset);
        p.Add("limit", (long)limit);
        var rows = await connection.QueryAsync<IncompleteRow>(new CommandDefinition(RecoveryStatements.SelectIncomplete(where), p, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToView())];
    }
}
