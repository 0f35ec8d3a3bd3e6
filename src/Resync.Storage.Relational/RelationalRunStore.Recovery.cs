using System.Data;
using Dapper;
using Resync.Core.Links;
using Resync.Core.Recovery;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Storage.Relational;

/// <summary>Recovery state: link definitions and health, run chains and history, incomplete runs.</summary>
public abstract partial class RelationalRunStore
{
    public Task SaveLinkDefinitionAsync(string linkId, string tenant, LinkDefinition definition, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteAsync(RecoveryStatements.SaveLinkDefinition,
            new { linkId, tenant, definition.Text, definition.Path, definition.BaseDirectory }), cancellationToken);

    public async Task<LinkVersion?> GetLinkVersionAsync(string linkId, string hash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        var document = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            RecoveryStatements.SelectLinkVersion, new { linkId, hash }, cancellationToken: cancellationToken));
        return document is null ? null : new LinkVersion(hash, document);
    }

    public async Task<LinkView?> GetLinkAsync(string linkId, CancellationToken cancellationToken) =>
        (await QueryLinksAsync("WHERE l.id = @linkId", new { linkId }, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<LinkView>> ListLinksAsync(string? tenant, CancellationToken cancellationToken) =>
        QueryLinksAsync($"WHERE (@tenant{Dialect.TextCast} IS NULL OR l.tenant = @tenant)", new { tenant }, cancellationToken);

    public Task UpdateLinkHealthAsync(string linkId, string tenant, LinkHealth health, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteAsync(RecoveryStatements.SaveLinkHealth, RecoveryParameters.Health(linkId, tenant, health, Clock.GetUtcNow())), cancellationToken);

    public Task SetPendingWatermarkAsync(long runId, string watermark, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteAsync(RecoveryStatements.SetPendingWatermark, new { runId, watermark }), cancellationToken);

    public Task<IReadOnlyList<long>> ResolveChainAsync(long runId, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<long>>(async w =>
        {
            // Each run of the chain is locked as it is read: a concurrent resolution of the same chain waits for this one.
            async Task<ChainRun> ReadAsync(long id) => (await w.QuerySingleAsync<ChainRow>(RecoveryStatements.SelectChainRun + w.Dialect.RowLock, new { id })).ToRun();
            if (RetryChain.From(await ReadAsync(runId), at) is not { } chain)
                return [];
            while (chain.NextParentId is { } parentId)
            {
                var step = chain.Step(await ReadAsync(parentId));
                if (step.Resolved is { } entry)
                {
                    await w.ExecuteAsync(RecoveryStatements.ResolveRun, new { id = parentId, resolverId = runId });
                    await w.ExecuteAsync(RecoveryStatements.InsertRunEvent, RecoveryParameters.Event(entry));
                }
                if (step.IsRoot)
                    await w.ExecuteAsync(RecoveryStatements.PromoteRootWatermark, new { id = parentId });
            }
            return chain.Resolved;
        }, cancellationToken);

    public Task AddRunEventAsync(RunEvent runEvent, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteAsync(RecoveryStatements.InsertRunEvent, RecoveryParameters.Event(runEvent)), cancellationToken);

    public async Task<IReadOnlyList<RunEvent>> ListRunEventsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long RunId, string At, string Kind, string Message)>(new CommandDefinition(
            RecoveryStatements.SelectRunEvents, new { runId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new RunEvent(r.RunId, StoredTime.Time(r.At), r.Kind, r.Message))];
    }

    public async Task<IReadOnlyList<long>> ListChildRunsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        return [.. await connection.QueryAsync<long>(new CommandDefinition(
            RecoveryStatements.SelectChildRuns, new { runId }, cancellationToken: cancellationToken))];
    }

    public Task<long> ParkAsync(IncompleteRunView incomplete, CancellationToken cancellationToken) =>
        WriteAsync(w => ParkAsync(w, incomplete), cancellationToken);

    private static async Task<long> ParkAsync(RelationalWrite w, IncompleteRunView incomplete)
    {
        var id = await w.ExecuteScalarAsync<long>(RecoveryStatements.InsertIncomplete, RecoveryParameters.Incomplete(incomplete));
        await w.ExecuteAsync(RecoveryStatements.InsertRunEvent, RecoveryParameters.Event(RunEventMessages.ParkedEntry(id, incomplete)));
        return id;
    }

    public async Task<IncompleteRunView?> GetIncompleteAsync(long id, CancellationToken cancellationToken) =>
        (await QueryIncompleteAsync("WHERE i.id = @id", new { id }, 0, 1, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<IncompleteRunView>> ListIncompleteAsync(IncompleteFilter filter, CancellationToken cancellationToken)
    {
        var (text, bigint) = (Dialect.TextCast, Dialect.BigintCast);
        var statuses = filter.Statuses?.Select(s => s.ToString()).ToArray() ?? OpenStatuses;
        return QueryIncompleteAsync($"""
            WHERE (@LinkId{text} IS NULL OR i.link_id = @LinkId) AND (@Tenant{text} IS NULL OR i.tenant = @Tenant) AND {Dialect.InList("i.status", "@statuses")}
              AND (@DueBy{text} IS NULL OR (i.next_attempt_at IS NOT NULL AND i.next_attempt_at <= @DueBy))
              AND (@RunId{bigint} IS NULL OR i.run_id = @RunId)
            """, new { filter.LinkId, filter.Tenant, statuses, DueBy = StoredTime.OptionalText(filter.DueBy), filter.RunId }, filter.Offset, filter.Limit, cancellationToken);
    }

    public async Task<IReadOnlyList<IncompleteCount>> CountOpenIncompleteAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        var statuses = OpenStatuses;
        var rows = await connection.QueryAsync<(string LinkId, string Tenant, long Open)>(new CommandDefinition($"""
            SELECT link_id, tenant, COUNT(*) FROM incomplete_runs WHERE {Dialect.InList("status", "@statuses")} GROUP BY link_id, tenant ORDER BY link_id
            """, new { statuses }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new IncompleteCount(r.LinkId, r.Tenant, r.Open))];
    }

    // The core's rule (IncompleteStatusExtensions.IsClosed) as the list the SQL tests against: the compliance suite pins the two together.
    private static readonly string[] OpenStatuses = [.. Enum.GetValues<IncompleteStatus>().Where(status => !status.IsClosed()).Select(status => status.ToString())];

    /// <summary>Refuses to keep records of a batch that is not interrupted (<see cref="IRecoveryStore.KeepInterruptedRecordsAsync"/>).</summary>
    private protected static async Task EnsureInterruptedAsync(RelationalWrite w, long runId, int batchNumber)
    {
        var status = await w.ExecuteScalarAsync<string?>(RecoveryStatements.SelectBatchStatus, new { runId, batchNumber = (long)batchNumber });
        if (status != nameof(BatchStatus.Interrupted))
            throw new InvalidOperationException($"Batch {batchNumber} of run {runId} is {status ?? "missing"}; only an interrupted batch's records are kept this way.");
    }

    public Task UpdateIncompleteAsync(long id, IncompleteStatus status, int attempts, DateTimeOffset? nextAttemptAt, long? resolvedByRunId, string? note, CancellationToken cancellationToken) =>
        WriteAsync(async w =>
        {
            var current = await w.QuerySingleOrDefaultAsync<(string Status, long RunId)?>(
                    "SELECT status, run_id FROM incomplete_runs WHERE id = @id" + w.Dialect.RowLock, new { id })
                ?? throw new KeyNotFoundException($"There is no incomplete run {id}.");
            if (Enum.Parse<IncompleteStatus>(current.Status).IsClosed())
                throw new InvalidTransitionException("incomplete run", current.Status, status.ToString());
            await SetIncompleteAsync(w, id, current.RunId, status, attempts, nextAttemptAt, resolvedByRunId, note, Clock.GetUtcNow());
            return 0;
        }, cancellationToken);

    /// <summary>Sets incomplete run <paramref name="id"/> (of run <paramref name="runId"/>) as told; one that closes gets its entry in the run's history.</summary>
    private static async Task SetIncompleteAsync(RelationalWrite w, long id, long runId, IncompleteStatus status, int attempts, DateTimeOffset? nextAttemptAt,
        long? resolvedByRunId, string? note, DateTimeOffset now)
    {
        await w.ExecuteAsync(RecoveryStatements.UpdateIncomplete, RecoveryParameters.IncompleteUpdate(id, status, attempts, nextAttemptAt, resolvedByRunId, note));
        if (status.IsClosed())
        {
            await w.ExecuteAsync(RecoveryStatements.InsertRunEvent, RecoveryParameters.Event(
                RunEventMessages.IncompleteClosedEntry(runId, id, status, resolvedByRunId, note, now)));
        }
    }

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
        return WriteAsync(w => w.ExecuteAsync(RecoveryStatements.SaveEdit(table, owner), RecoveryParameters.Edit(id, batchNumber, position, json, at)), cancellationToken);
    }

    private async Task<IReadOnlyDictionary<(int Batch, int Position), string>> GetEditsAsync(string table, string owner, long id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Batch, long Position, string Fields)>(new CommandDefinition(
            RecoveryStatements.SelectEdits(table, owner), new { id }, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => ((int)r.Batch, (int)r.Position), r => r.Fields);
    }

    public async Task<FailedRecordCounts> CountFailedRecordsAsync(long runId, ErrorGroupKey? group, CancellationToken cancellationToken)
    {
        // Without a group, from record_outcomes_to_retry alone (a group's columns are in the rows); a run's failed batches (their
        // records go with them) are looked up once per batch, not once per record.
        var inGroup = group is null ? "1 = 1" : InGroup;
        var total = Dialect.BigintCast;
        await using var connection = await OpenReadAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<(long Retriable, long NotRetriable, long OutsideGroup, long RetriableDurable)>(new CommandDefinition($"""
            SELECT COALESCE(SUM(g.retriable), 0){total}, COALESCE(SUM(g.not_retriable), 0){total}, COALESCE(SUM(g.outside), 0){total},
                   COALESCE(SUM(g.retriable_durable), 0){total}
            FROM (
                SELECT o.batch_number,
                       SUM(CASE WHEN {inGroup} AND o.retriable = 1 THEN 1 ELSE 0 END) AS retriable,
                       SUM(CASE WHEN {inGroup} AND o.retriable = 0 THEN 1 ELSE 0 END) AS not_retriable,
                       SUM(CASE WHEN {inGroup} THEN 0 ELSE 1 END) AS outside,
                       SUM(CASE WHEN {inGroup} AND o.retriable = 1 AND o.durable = 1 THEN 1 ELSE 0 END) AS retriable_durable
                FROM record_outcomes o
                WHERE o.run_id = @runId AND o.outcome IN ('Failed', 'Incomplete')
                GROUP BY o.outcome, o.batch_number
            ) g
            WHERE {RecoveryStatements.OutsideAFailedBatch("@runId", "g.batch_number")}
            """, GroupParameters(runId, group), cancellationToken: cancellationToken));
        return new FailedRecordCounts(row.Retriable, row.NotRetriable, row.OutsideGroup, row.RetriableDurable);
    }

    public async Task<IReadOnlyList<FailedRecordSnapshot>> ListRetriableFailedRecordsAsync(long runId, ErrorGroupKey? group, (int Batch, int Position)? after, int limit, CancellationToken cancellationToken)
    {
        var parameters = GroupParameters(runId, group);
        parameters.Add("limit", (long)limit);
        parameters.Add("afterBatch", (long)(after?.Batch ?? -1));
        parameters.Add("afterPosition", (long)(after?.Position ?? -1));
        await using var connection = await OpenReadAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Batch, long Position, string? Key, string Before, long Durable)>(new CommandDefinition($"""
            SELECT o.batch_number, o.position, o.record_key, o.before, o.durable
            FROM record_outcomes o
            WHERE o.run_id = @runId AND o.outcome IN ('Failed', 'Incomplete') AND o.retriable = 1 AND (o.batch_number, o.position) > (@afterBatch, @afterPosition)
              AND {RecoveryStatements.OutsideFailedBatches}{(group is null ? "" : $" AND {InGroup}")}
            ORDER BY o.batch_number, o.position LIMIT @limit
            """, parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new FailedRecordSnapshot((int)r.Batch, (int)r.Position, r.Key, r.Before, r.Durable != 0))];
    }

    // The core's error-group identity (ErrorGroupKey) in SQL, pinned by the compliance suite. Never NULL (a record without an
    // error is outside any group), so that NOT (InGroup) counts it outside.
    private const string InGroup =
        "COALESCE(o.error_type = @groupType AND o.error_code = @groupCode AND o.error_step IS NOT DISTINCT FROM @groupStep AND o.error_fields IS NOT DISTINCT FROM @groupFields, false)";

    private static DynamicParameters GroupParameters(long runId, ErrorGroupKey? group)
    {
        var parameters = new DynamicParameters();
        parameters.Add("runId", runId);
        if (group is null)
            return parameters;
        parameters.Add("groupType", group.Type.ToString(), DbType.String);
        parameters.Add("groupCode", group.Code, DbType.String);
        parameters.Add("groupStep", group.Step, DbType.String);
        parameters.Add("groupFields", group.Fields.Count == 0 ? null : string.Join(',', group.Fields), DbType.String);
        return parameters;
    }

    private async Task<IReadOnlyList<LinkView>> QueryLinksAsync(string where, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        var rows = await connection.QueryAsync<LinkRow>(new CommandDefinition(RecoveryStatements.SelectLinks(where), parameters, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToView())];
    }

    private async Task<IReadOnlyList<IncompleteRunView>> QueryIncompleteAsync(string where, object parameters, int offset, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        var p = new DynamicParameters(parameters);
        p.Add("offset", (long)offset);
        p.Add("limit", (long)limit);
        var rows = await connection.QueryAsync<IncompleteRow>(new CommandDefinition(RecoveryStatements.SelectIncomplete(where), p, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToView())];
    }
}
