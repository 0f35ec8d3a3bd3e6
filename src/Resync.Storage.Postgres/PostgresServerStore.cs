using Dapper;
using Resync.Server;

namespace Resync.Storage.Postgres;

/// <summary>
/// The server's state (API links, hashed API keys, idempotency records, async push payloads, alert routes and outbox) in the
/// run store's PostgreSQL database, so that every server of a cluster sees the same keys, pushes and alerts.
/// </summary>
public sealed partial class PostgresServerStore(PostgresRunStore runs) : IServerStore
{
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await runs.InitializeAsync(cancellationToken);
        await runs.MigrateAsync(PostgresMigrations.Server, cancellationToken);
    }

    public Task SaveLinkDocumentAsync(StoredLinkDocument document, CancellationToken cancellationToken) =>
        runs.WriteAsync((c, t) => c.ExecuteAsync("""
            INSERT INTO server_links (id, tenant, document, updated_at) VALUES (@LinkId, @Tenant, @ProtectedDocument, @UpdatedAt)
            ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, document = excluded.document, updated_at = excluded.updated_at
            """, new { document.LinkId, document.Tenant, document.ProtectedDocument, UpdatedAt = Text(document.UpdatedAt) }, t), cancellationToken);

    public async Task<IReadOnlyList<StoredLinkDocument>> ListLinkDocumentsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await runs.DataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Id, string Tenant, string Document, string UpdatedAt)>(
            new CommandDefinition("SELECT id, tenant, document, updated_at FROM server_links ORDER BY id", cancellationToken: cancellationToken));
        return [.. rows.Select(row => new StoredLinkDocument(row.Id, row.Tenant, row.Document, Time(row.UpdatedAt)))];
    }

    public async Task<LinkStateView?> GetLinkStateAsync(string linkId, CancellationToken cancellationToken)
    {
        await using var connection = await runs.DataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(string State, string? Reason)?>(
            new CommandDefinition("SELECT state, state_reason FROM links WHERE id = @linkId", new { linkId }, cancellationToken: cancellationToken));
        return row is { } found ? new LinkStateView(linkId, found.State == "Active", found.Reason) : null;
    }

    public Task AddApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        runs.WriteAsync((c, t) => c.ExecuteAsync("""
            INSERT INTO api_keys (prefix, hash, scope, tenant, name, created_at) VALUES (@Prefix, @Hash, @Scope, @Tenant, @Name, @CreatedAt)
            """, new { key.Prefix, key.Hash, Scope = key.Scope.ToString(), key.Tenant, key.Name, CreatedAt = Text(key.CreatedAt) }, t), cancellationToken);

    public async Task<ApiKeyRecord?> FindApiKeyAsync(string prefix, CancellationToken cancellationToken)
    {
        await using var connection = await runs.DataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<KeyRow>(
            new CommandDefinition($"{KeyRow.Select} WHERE prefix = @prefix", new { prefix }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await runs.DataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<KeyRow>(new CommandDefinition($"{KeyRow.Select} ORDER BY created_at, prefix", cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToRecord())];
    }

    public async Task<bool> RevokeApiKeyAsync(string prefix, DateTimeOffset at, CancellationToken cancellationToken) =>
        await runs.WriteAsync((c, t) => c.ExecuteAsync(
            "UPDATE api_keys SET revoked_at = @at WHERE prefix = @prefix AND revoked_at IS NULL", new { prefix, at = Text(at) }, t), cancellationToken) == 1;

    public async Task<IdempotencyRecord?> FindIdempotencyAsync(string scope, string key, DateTimeOffset notBefore, CancellationToken cancellationToken)
    {
        await using var connection = await runs.DataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<IdempotencyRow>(new CommandDefinition(
            "SELECT request_hash AS RequestHash, status AS Status, location AS Location, body AS Body, created_at AS CreatedAt FROM idempotency_records WHERE scope = @scope AND key = @key AND created_at >= @notBefore",
            new { scope, key, notBefore = Text(notBefore) }, cancellationToken: cancellationToken));
        return row is null ? null : new IdempotencyRecord(scope, key, row.RequestHash, (int)row.Status, row.Location, row.Body, Time(row.CreatedAt));
    }

    public Task SaveIdempotencyAsync(IdempotencyRecord record, CancellationToken cancellationToken) =>
        runs.WriteAsync((c, t) => c.ExecuteAsync("""
            INSERT INTO idempotency_records (scope, key, request_hash, status, location, body, created_at)
            VALUES (@Scope, @Key, @RequestHash, @Status, @Location, @Body, @CreatedAt)
            ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status, location = excluded.location,
                body = excluded.body, created_at = excluded.created_at
            """, new { record.Scope, record.Key, record.RequestHash, Status = (long)record.Status, record.Location, record.Body, CreatedAt = Text(record.CreatedAt) }, t),
            cancellationToken);

    public Task<int> PurgeIdempotencyAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        runs.WriteAsync((c, t) => c.ExecuteAsync("DELETE FROM idempotency_records WHERE created_at < @before", new { before = Text(before) }, t), cancellationToken);

    private const string InsertPush = """
        INSERT INTO pushes (link_id, tenant, payload, request_id, callback_url, callback_secret, accepted_at, record_count)
        VALUES (@LinkId, @Tenant, @Payload, @RequestId, @CallbackUrl, @ProtectedCallbackSecret, @AcceptedAt, @RecordCount) RETURNING id
        """;

    public Task<long> AddPushAsync(StoredPush push, CancellationToken cancellationToken) =>
        runs.WriteAsync((c, t) => c.ExecuteScalarAsync<long>(InsertPush, PushParameters(push), t), cancellationToken);

    public Task<IReadOnlyList<long>> AddPushesAsync(IReadOnlyList<StoredPush> pushes, CancellationToken cancellationToken) =>
        runs.WriteAsync<IReadOnlyList<long>>(async (c, t) =>
        {
            // One after the other in one transaction: the ids (a sequence) ascend in the order given, and one commit covers them all.
            var ids = new List<long>(pushes.Count);
            foreach (var push in pushes)
                ids.Add(await c.ExecuteScalarAsync<long>(InsertPush, PushParameters(push), t));
            return ids;
        }, cancellationToken);

    private static object PushParameters(StoredPush push) => new
    {
        push.LinkId, push.Tenant, push.Payload, push.RequestId, push.CallbackUrl, push.ProtectedCallbackSecret, AcceptedAt = Text(push.AcceptedAt),
        RecordCount = (long?)push.RecordCount,
    };

    public Task PushStartedAsync(IReadOnlyList<long> pushIds, long runId, CancellationToken cancellationToken) =>
        runs.WriteAsync((c, t) => c.ExecuteAsync("UPDATE pushes SET run_id = @runId WHERE id = ANY(@pushIds)", new { pushIds = pushIds.ToArray(), runId }, t), cancellationToken);

    public Task PushFinishedAsync(long pushId, DateTimeOffset at, CancellationToken cancellationToken) =>
        runs.WriteAsync((c, t) => c.ExecuteAsync("UPDATE pushes SET finished_at = @at WHERE id = @pushId", new { pushId, at = Text(at) }, t), cancellationToken);

    public Task<int> PurgePushPayloadsAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken) =>
        runs.WriteAsync((c, t) => c.ExecuteAsync("UPDATE pushes SET payload = '' WHERE finished_at IS NOT NULL AND finished_at <= @before AND payload <> ''",
            new { before = Text(finishedBefore) }, t), cancellationToken);

    public async Task<StoredPush?> GetPushAsync(long pushId, string? tenant, CancellationToken cancellationToken)
    {
        await using var connection = await runs.DataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<PushRow>(new CommandDefinition(
            $"{PushRow.Select} WHERE p.id = @pushId AND (CAST(@tenant AS TEXT) IS NULL OR p.tenant = @tenant)", new { pushId, tenant }, cancellationToken: cancellationToken));
        return row?.ToPush();
    }

    public Task<IReadOnlyList<StoredPush>> ListUnstartedPushesAsync(CancellationToken cancellationToken) =>
        ListPushesAsync("run_id IS NULL", cancellationToken);

    public Task<IReadOnlyList<StoredPush>> ListUnfinishedPushesAsync(CancellationToken cancellationToken) =>
        ListPushesAsync("run_id IS NOT NULL AND finished_at IS NULL", cancellationToken);

    private async Task<IReadOnlyList<StoredPush>> ListPushesAsync(string where, CancellationToken cancellationToken)
    {
        await using var connection = await runs.DataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Id, string LinkId, string Tenant, string Payload, string? RequestId, string? CallbackUrl, long? RunId, string AcceptedAt,
            string? CallbackSecret, long? RecordCount)>(new CommandDefinition($"""
                SELECT id, link_id, tenant, payload, request_id, callback_url, run_id, accepted_at, callback_secret, record_count FROM pushes WHERE {where} ORDER BY id
                """, cancellationToken: cancellationToken));
        return [.. rows.Select(row => new StoredPush(row.Id, row.LinkId, row.Tenant, row.Payload, row.RequestId, row.CallbackUrl, row.RunId, Time(row.AcceptedAt), null)
        {
            ProtectedCallbackSecret = row.CallbackSecret,
            RecordCount = (int?)row.RecordCount,
        })];
    }

    public Task SaveReplayOverrideAsync(ReplayOverride replay, CancellationToken cancellationToken) =>
        runs.WriteAsync((c, t) => c.ExecuteAsync("""
            INSERT INTO replay_overrides (link_id, tenant, automated_replay, max_attempts, updated_at)
            VALUES (@LinkId, @Tenant, @AutomatedReplay, @MaxAttempts, @UpdatedAt)
            ON CONFLICT (link_id) DO UPDATE SET tenant = excluded.tenant, automated_replay = excluded.automated_replay,
                max_attempts = excluded.max_attempts, updated_at = excluded.updated_at
            """, new { replay.LinkId, replay.Tenant, AutomatedReplay = replay.AutomatedReplay ? 1L : 0L, MaxAttempts = (long)replay.MaxAttempts,
                UpdatedAt = Text(replay.UpdatedAt) }, t),
            cancellationToken);

    public async Task<bool> DeleteReplayOverrideAsync(string linkId, CancellationToken cancellationToken) =>
        await runs.WriteAsync((c, t) => c.ExecuteAsync("DELETE FROM replay_overrides WHERE link_id = @linkId", new { linkId }, t), cancellationToken) == 1;

    public async Task<IReadOnlyList<ReplayOverride>> ListReplayOverridesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await runs.DataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string LinkId, string Tenant, long AutomatedReplay, long MaxAttempts, string UpdatedAt)>(new CommandDefinition(
            "SELECT link_id, tenant, automated_replay, max_attempts, updated_at FROM replay_overrides ORDER BY link_id", cancellationToken: cancellationToken));
        return [.. rows.Select(row => new ReplayOverride(row.LinkId, row.Tenant, row.AutomatedReplay != 0, (int)row.MaxAttempts, Time(row.UpdatedAt)))];
    }

    private static string Text(DateTimeOffset value) => PostgresRunStore.Text(value);

    private static DateTimeOffset Time(string value) => PostgresRunStore.Time(value);

    private sealed record IdempotencyRow(string RequestHash, long Status, string? Location, string Body, string CreatedAt);

    private sealed record PushRow(long Id, string LinkId, string Tenant, string? RequestId, string? CallbackUrl, long? RunId, string AcceptedAt, string? FinishedAt,
        long? RecordCount, long? FirstRecord)
    {
        // Pushes sharing a run are read in the order of their ids: those before this one hold the run's records before its own.
        public const string Select = """
            SELECT p.id AS Id, p.link_id AS LinkId, p.tenant AS Tenant, p.request_id AS RequestId, p.callback_url AS CallbackUrl, p.run_id AS RunId,
                p.accepted_at AS AcceptedAt, p.finished_at AS FinishedAt, p.record_count AS RecordCount,
                CAST((SELECT COALESCE(SUM(e.record_count), 0) FROM pushes e WHERE e.run_id = p.run_id AND e.id < p.id) AS BIGINT) AS FirstRecord
            FROM pushes p
            """;

        public StoredPush ToPush() => new(Id, LinkId, Tenant, "", RequestId, CallbackUrl, RunId, Time(AcceptedAt), FinishedAt is null ? null : Time(FinishedAt))
        {
            RecordCount = (int?)RecordCount,
            FirstRecord = RunId is null ? null : (int?)FirstRecord,
        };
    }

    private sealed record KeyRow(string Prefix, string Hash, string Scope, string? Tenant, string Name, string CreatedAt, string? RevokedAt)
    {
        public const string Select = "SELECT prefix AS Prefix, hash AS Hash, scope AS Scope, tenant AS Tenant, name AS Name, created_at AS CreatedAt, revoked_at AS RevokedAt FROM api_keys";

        public ApiKeyRecord ToRecord() => new(Prefix, Hash, Enum.Parse<ApiKeyScope>(Scope), Tenant, Name, Time(CreatedAt), PostgresRunStore.OptionalTime(RevokedAt));
    }
}
