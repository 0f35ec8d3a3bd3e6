using Dapper;
using Resync.Server;

namespace Resync.Storage.Relational;

/// <summary>
/// The server's state (API links, hashed API keys, idempotency records, async push payloads, replay overrides, alert routes
/// and their outbox) as SQLite and PostgreSQL keep it alike, written once. It lives beside the runs and goes through its run
/// store's reads and writes (<see cref="RelationalRunStore.OpenReadAsync"/>, <see cref="RelationalRunStore.WriteAsync{T}"/>):
/// on SQLite a push payload then shares the group commit of the runs' batches on the one writer thread. A store supplies
/// only its migrations; where the SQL is spelled differently, its <see cref="SqlDialect"/> says how.
/// </summary>
public abstract partial class RelationalServerStore : IServerStore
{
    private readonly RelationalRunStore _runs;

    private protected RelationalServerStore(RelationalRunStore runs) => _runs = runs;

    private SqlDialect Dialect => _runs.Dialect;

    /// <summary>Creates or migrates the server's tables (after the run store's), the way the store migrates.</summary>
    public abstract Task InitializeAsync(CancellationToken cancellationToken);

    public Task SaveLinkDocumentAsync(StoredLinkDocument document, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteAsync("""
            INSERT INTO server_links (id, tenant, document, updated_at) VALUES (@LinkId, @Tenant, @ProtectedDocument, @UpdatedAt)
            ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, document = excluded.document, updated_at = excluded.updated_at
            """, new { document.LinkId, document.Tenant, document.ProtectedDocument, UpdatedAt = StoredTime.Text(document.UpdatedAt) }), cancellationToken);

    public async Task<IReadOnlyList<StoredLinkDocument>> ListLinkDocumentsAsync(CancellationToken cancellationToken)
    {
        var rows = await QueryAsync<(string Id, string Tenant, string Document, string UpdatedAt)>(
            "SELECT id, tenant, document, updated_at FROM server_links ORDER BY id", null, cancellationToken);
        return [.. rows.Select(row => new StoredLinkDocument(row.Id, row.Tenant, row.Document, StoredTime.Time(row.UpdatedAt)))];
    }

    public async Task<LinkStateView?> GetLinkStateAsync(string linkId, CancellationToken cancellationToken)
    {
        var row = await QuerySingleOrDefaultAsync<StateRow>("SELECT state AS State, state_reason AS Reason FROM links WHERE id = @linkId", new { linkId }, cancellationToken);
        return row is null ? null : new LinkStateView(linkId, row.State == "Active", row.Reason);
    }

    public Task AddApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteAsync("""
            INSERT INTO api_keys (prefix, hash, scope, tenant, name, created_at) VALUES (@Prefix, @Hash, @Scope, @Tenant, @Name, @CreatedAt)
            """, new { key.Prefix, key.Hash, Scope = key.Scope.ToString(), key.Tenant, key.Name, CreatedAt = StoredTime.Text(key.CreatedAt) }), cancellationToken);

    public async Task<ApiKeyRecord?> FindApiKeyAsync(string prefix, CancellationToken cancellationToken) =>
        (await QuerySingleOrDefaultAsync<KeyRow>($"{KeyRow.Select} WHERE prefix = @prefix", new { prefix }, cancellationToken))?.ToRecord();

    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken) =>
        [.. (await QueryAsync<KeyRow>($"{KeyRow.Select} ORDER BY created_at, prefix", null, cancellationToken)).Select(row => row.ToRecord())];

    public async Task<bool> RevokeApiKeyAsync(string prefix, DateTimeOffset at, CancellationToken cancellationToken) =>
        await WriteAsync(w => w.ExecuteAsync(
            "UPDATE api_keys SET revoked_at = @at WHERE prefix = @prefix AND revoked_at IS NULL", new { prefix, at = StoredTime.Text(at) }), cancellationToken) == 1;

    public async Task<IdempotencyRecord?> FindIdempotencyAsync(string scope, string key, DateTimeOffset notBefore, CancellationToken cancellationToken)
    {
        var row = await QuerySingleOrDefaultAsync<IdempotencyRow>(
            "SELECT request_hash AS RequestHash, status AS Status, location AS Location, body AS Body, created_at AS CreatedAt FROM idempotency_records WHERE scope = @scope AND key = @key AND created_at >= @notBefore",
            new { scope, key, notBefore = StoredTime.Text(notBefore) }, cancellationToken);
        return row is null ? null : new IdempotencyRecord(scope, key, row.RequestHash, (int)row.Status, row.Location, row.Body, StoredTime.Time(row.CreatedAt));
    }

    public Task SaveIdempotencyAsync(IdempotencyRecord record, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteAsync("""
            INSERT INTO idempotency_records (scope, key, request_hash, status, location, body, created_at)
            VALUES (@Scope, @Key, @RequestHash, @Status, @Location, @Body, @CreatedAt)
            ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status, location = excluded.location,
                body = excluded.body, created_at = excluded.created_at
            """, new { record.Scope, record.Key, record.RequestHash, Status = (long)record.Status, record.Location, record.Body, CreatedAt = StoredTime.Text(record.CreatedAt) }),
            cancellationToken);

    public Task<int> PurgeIdempotencyAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteAsync("DELETE FROM idempotency_records WHERE created_at < @before", new { before = StoredTime.Text(before) }), cancellationToken);

    private const string InsertPush = """
        INSERT INTO pushes (link_id, tenant, payload, request_id, callback_url, callback_secret, accepted_at, record_count)
        VALUES (@LinkId, @Tenant, @Payload, @RequestId, @CallbackUrl, @ProtectedCallbackSecret, @AcceptedAt, @RecordCount) RETURNING id
        """;

    // A hot statement (one per acknowledged push, on SQLite inside the writer's serial path): kept prepared where the store keeps them.
    public Task<long> AddPushAsync(StoredPush push, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteHotScalarAsync<long>(InsertPush, ("LinkId", push.LinkId), ("Tenant", push.Tenant), ("Payload", push.Payload),
            ("RequestId", push.RequestId), ("CallbackUrl", push.CallbackUrl), ("ProtectedCallbackSecret", push.ProtectedCallbackSecret),
            ("AcceptedAt", StoredTime.Text(push.AcceptedAt)), ("RecordCount", (long?)push.RecordCount)), cancellationToken);

    public Task PushStartedAsync(IReadOnlyList<long> pushIds, long runId, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteAsync($"UPDATE pushes SET run_id = @runId WHERE {Dialect.InList("id", "@pushIds")}", new { pushIds = pushIds.ToArray(), runId }),
            cancellationToken);

    public Task PushesFinishedAsync(IReadOnlyList<long> pushIds, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteAsync($"UPDATE pushes SET finished_at = @at WHERE {Dialect.InList("id", "@pushIds")}",
            new { pushIds = pushIds.ToArray(), at = StoredTime.Text(at) }), cancellationToken);

    // Through the index of the payloads not yet emptied (ServerSchema.UnpurgedPushes): a purge after each run reads the pushes
    // that just ended, not every push the server has taken.
    public Task<int> PurgePushPayloadsAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteHotAsync("UPDATE pushes SET payload = '' WHERE finished_at <= @before AND payload <> ''",
            ("before", StoredTime.Text(finishedBefore))), cancellationToken);

    public async Task<StoredPush?> GetPushAsync(long pushId, string? tenant, CancellationToken cancellationToken)
    {
        // Pushes sharing a run are read in the order of their ids: those before this one hold the run's records before its own.
        var row = await QuerySingleOrDefaultAsync<PushRow>($"""
            SELECT p.id AS Id, p.link_id AS LinkId, p.tenant AS Tenant, p.request_id AS RequestId, p.callback_url AS CallbackUrl, p.run_id AS RunId,
                p.accepted_at AS AcceptedAt, p.finished_at AS FinishedAt, p.record_count AS RecordCount,
                (SELECT COALESCE(SUM(e.record_count), 0) FROM pushes e WHERE e.run_id = p.run_id AND e.id < p.id){Dialect.BigintCast} AS FirstRecord
            FROM pushes p
            WHERE p.id = @pushId AND (@tenant{Dialect.TextCast} IS NULL OR p.tenant = @tenant)
            """, new { pushId, tenant }, cancellationToken);
        return row?.ToPush();
    }

    public Task<IReadOnlyList<StoredPush>> ListUnstartedPushesAsync(CancellationToken cancellationToken) =>
        ListPushesAsync("run_id IS NULL", cancellationToken);

    public Task<IReadOnlyList<StoredPush>> ListUnfinishedPushesAsync(CancellationToken cancellationToken) =>
        ListPushesAsync("run_id IS NOT NULL AND finished_at IS NULL", cancellationToken);

    private async Task<IReadOnlyList<StoredPush>> ListPushesAsync(string where, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync<(long Id, string LinkId, string Tenant, string Payload, string? RequestId, string? CallbackUrl, long? RunId, string AcceptedAt,
            string? CallbackSecret, long? RecordCount)>($"""
                SELECT id, link_id, tenant, payload, request_id, callback_url, run_id, accepted_at, callback_secret, record_count FROM pushes WHERE {where} ORDER BY id
                """, null, cancellationToken);
        return [.. rows.Select(row => new StoredPush(row.Id, row.LinkId, row.Tenant, row.Payload, row.RequestId, row.CallbackUrl, row.RunId,
            StoredTime.Time(row.AcceptedAt), null) { ProtectedCallbackSecret = row.CallbackSecret, RecordCount = (int?)row.RecordCount })];
    }

    public Task SaveReplayOverrideAsync(ReplayOverride replay, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteAsync("""
            INSERT INTO replay_overrides (link_id, tenant, automated_replay, max_attempts, updated_at)
            VALUES (@LinkId, @Tenant, @AutomatedReplay, @MaxAttempts, @UpdatedAt)
            ON CONFLICT (link_id) DO UPDATE SET tenant = excluded.tenant, automated_replay = excluded.automated_replay,
                max_attempts = excluded.max_attempts, updated_at = excluded.updated_at
            """, new { replay.LinkId, replay.Tenant, AutomatedReplay = replay.AutomatedReplay ? 1L : 0L, MaxAttempts = (long)replay.MaxAttempts,
                UpdatedAt = StoredTime.Text(replay.UpdatedAt) }),
            cancellationToken);

    public async Task<bool> DeleteReplayOverrideAsync(string linkId, CancellationToken cancellationToken) =>
        await WriteAsync(w => w.ExecuteAsync("DELETE FROM replay_overrides WHERE link_id = @linkId", new { linkId }), cancellationToken) == 1;

    public async Task<IReadOnlyList<ReplayOverride>> ListReplayOverridesAsync(CancellationToken cancellationToken)
    {
        var rows = await QueryAsync<(string LinkId, string Tenant, long AutomatedReplay, long MaxAttempts, string UpdatedAt)>(
            "SELECT link_id, tenant, automated_replay, max_attempts, updated_at FROM replay_overrides ORDER BY link_id", null, cancellationToken);
        return [.. rows.Select(row => new ReplayOverride(row.LinkId, row.Tenant, row.AutomatedReplay != 0, (int)row.MaxAttempts, StoredTime.Time(row.UpdatedAt)))];
    }

    private Task<T> WriteAsync<T>(Func<RelationalWrite, Task<T>> work, CancellationToken cancellationToken) => _runs.WriteAsync(work, cancellationToken);

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters, CancellationToken cancellationToken)
    {
        await using var connection = await _runs.OpenReadAsync(cancellationToken);
        return [.. await connection.QueryAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken))];
    }

    private async Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters, CancellationToken cancellationToken)
    {
        await using var connection = await _runs.OpenReadAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
    }

    private sealed record StateRow(string State, string? Reason);

    private sealed record IdempotencyRow(string RequestHash, long Status, string? Location, string Body, string CreatedAt);

    private sealed record PushRow(long Id, string LinkId, string Tenant, string? RequestId, string? CallbackUrl, long? RunId, string AcceptedAt, string? FinishedAt,
        long? RecordCount, long? FirstRecord)
    {
        public StoredPush ToPush() => new(Id, LinkId, Tenant, "", RequestId, CallbackUrl, RunId, StoredTime.Time(AcceptedAt), StoredTime.OptionalTime(FinishedAt))
        {
            RecordCount = (int?)RecordCount,
            FirstRecord = RunId is null ? null : (int?)FirstRecord,
        };
    }

    private sealed record KeyRow(string Prefix, string Hash, string Scope, string? Tenant, string Name, string CreatedAt, string? RevokedAt)
    {
        public const string Select = "SELECT prefix AS Prefix, hash AS Hash, scope AS Scope, tenant AS Tenant, name AS Name, created_at AS CreatedAt, revoked_at AS RevokedAt FROM api_keys";

        public ApiKeyRecord ToRecord() => new(Prefix, Hash, Enum.Parse<ApiKeyScope>(Scope), Tenant, Name, StoredTime.Time(CreatedAt), StoredTime.OptionalTime(RevokedAt));
    }
}
