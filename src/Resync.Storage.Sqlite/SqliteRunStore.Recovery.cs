using Dapper;
using Microsoft.Data.Sqlite;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Recovery;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Storage.Relational;

namespace Resync.Storage.Sqlite;

/// <summary>Recovery state: link definitions and health, run chains and history, incomplete runs.</summary>
public sealed partial class SqliteRunStore
{
    public Task SaveLinkDefinitionAsync(string linkId, string tenant, LinkDefinition definition, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync((c, t) => c.Execute(RecoveryStatements.SaveLinkDefinition,
            new { linkId, tenant, definition.Text, definition.Path, definition.BaseDirectory }, t), cancellationToken);

    public async Task<LinkVersion?> GetLinkVersionAsync(string linkId, string hash, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var document = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            RecoveryStatements.SelectLinkVersion, new { linkId, hash }, cancellationToken: cancellationToken));
        return document is null ? null : new LinkVersion(hash, document);
    }

    public async Task<LinkView?> GetLinkAsync(string linkId, CancellationToken cancellationToken) =>
        (await QueryLinksAsync("WHERE l.id = @linkId", new { linkId }, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<LinkView>> ListLinksAsync(string? tenant, CancellationToken cancellationToken) =>
        QueryLinksAsync("WHERE (@tenant IS NULL OR l.tenant = @tenant)", new { tenant }, cancellationToken);

    public Task UpdateLinkHealthAsync(string linkId, string tenant, LinkHealth health, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync((c, t) => c.Execute(RecoveryStatements.SaveLinkHealth, RecoveryParameters.Health(linkId, tenant, health, _clock.GetUtcNow()), t), cancellationToken);

    public Task SetPendingWatermarkAsync(long runId, string watermark, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync((c, t) => c.Execute(RecoveryStatements.SetPendingWatermark, new { runId, watermark }, t), cancellationToken);

    public Task<IReadOnlyList<long>> ResolveChainAsync(long runId, DateTimeOffset at, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync<IReadOnlyList<long>>((c, t) =>
        {
            ChainRun Read(long id) => c.QuerySingle<ChainRow>(RecoveryStatements.SelectChainRun, new { id }, t).ToRun();
            if (RetryChain.From(Read(runId), at) is not { } chain)
                return [];
            while (chain.NextParentId is { } parentId)
            {
                var step = chain.Step(Read(parentId));
                if (step.Resolved is { } entry)
                {
                    c.Execute(RecoveryStatements.ResolveRun, new { id = parentId, resolverId = runId }, t);
                    c.Execute(RecoveryStatements.InsertRunEvent, RecoveryParameters.Event(entry), t);
                }
                if (step.IsRoot)
                    c.Execute(RecoveryStatements.PromoteRootWatermark, new { id = parentId }, t);
            }
            return chain.Resolved;
        }, cancellationToken);

    public Task AddRunEventAsync(RunEvent runEvent, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync((c, t) => c.Execute(RecoveryStatements.InsertRunEvent, RecoveryParameters.Event(runEvent), t), cancellationToken);

    public async Task<IReadOnlyList<RunEvent>> ListRunEventsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<(long RunId, string At, string Kind, string Message)>(new CommandDefinition(
            RecoveryStatements.SelectRunEvents, new { runId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new RunEvent(r.RunId, Time(r.At), r.Kind, r.Message))];
    }

    public async Task<IReadOnlyList<long>> ListChildRunsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        return [.. await connection.QueryAsync<long>(new CommandDefinition(
            RecoveryStatements.SelectChildRuns, new { runId }, cancellationToken: cancellationToken))];
    }

    public Task<long> ParkAsync(IncompleteRunView incomplete, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync((c, t) => Park(c, t, incomplete), cancellationToken);

    private static long Park(SqliteConnection c, SqliteTransaction t, IncompleteRunView incomplete)
    {
        var id = c.ExecuteScalar<long>(RecoveryStatements.InsertIncomplete, RecoveryParameters.Incomplete(incomplete), t);
        c.Execute(RecoveryStatements.InsertRunEvent, RecoveryParameters.Event(RunEventMessages.ParkedEntry(id, incomplete)), t);
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
            var status = c.ExecuteScalar<string?>(RecoveryStatements.SelectBatchStatus, new { runId, batchNumber }, t);
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
            c.Execute(RecoveryStatements.UpdateIncomplete, RecoveryParameters.IncompleteUpdate(id, status, attempts, nextAttemptAt, resolvedByRunId, note), t);
            if (status.IsClosed())
            {
                c.Execute(RecoveryStatements.InsertRunEvent, RecoveryParameters.Event(
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
        return Writer.ExecuteAsync((c, t) => c.Execute(RecoveryStatements.SaveEdit(table, owner), RecoveryParameters.Edit(id, batchNumber, position, json, at), t), cancellationToken);
    }

    private async Task<IReadOnlyDictionary<(int Batch, int Position), string>> GetEditsAsync(string table, string owner, long id, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<(long Batch, long Position, string Fields)>(new CommandDefinition(
            RecoveryStatements.SelectEdits(table, owner), new { id }, cancellationToken: cancellationToken));
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

    private const string OutsideFailedBatches = RecoveryStatements.OutsideFailedBatches;

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
        var rows = await connection.QueryAsync<LinkRow>(new CommandDefinition(RecoveryStatements.SelectLinks(where), parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToView())];
    }

    private async Task<IReadOnlyList<IncompleteRunView>> QueryIncompleteAsync(string where, object parameters, int offset, int limit, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var p = new DynamicParameters(parameters);
        p.Add("offset", offset);
        p.Add("limit", limit);
        var rows = await connection.QueryAsync<IncompleteRow>(new CommandDefinition(RecoveryStatements.SelectIncomplete(where), p, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToView())];
    }
}
