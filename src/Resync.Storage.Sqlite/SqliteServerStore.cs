using Dapper;
using Microsoft.Data.Sqlite;
using Resync.Server;

namespace Resync.Storage.Sqlite;

/// <summary>
/// The server's state (API links, hashed API keys, idempotency records, async push payloads) in the run store's
/// SQLite file. Writes share the run store's group-committing writer, so a push payload and the batches of
/// running links share one fsync; reads open their own connections.
/// </summary>
public sealed partial class SqliteServerStore(SqliteRunStore runs, TimeProvider? clock = null) : IServerStore
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = runs.FilePath, Pooling = true, DefaultTimeout = 30 }.ToString();

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await runs.InitializeAsync(cancellationToken);
        await using var connection = Open();
        var applied = connection.Query<long>("SELECT version FROM schema_migrations").ToHashSet();
        foreach (var (version, sql) in SqliteServerMigrations.All)
        {
            if (applied.Contains(version))
                continue;
            await runs.Writer.ExecuteAsync((c, t) =>
            {
                // Another process (the CLI's `resync keys` beside a running server) may have applied it meanwhile.
                if (c.ExecuteScalar<long>("SELECT COUNT(*) FROM schema_migrations WHERE version = @version", new { version }, t) > 0)
                    return 0;
                c.Execute(sql, transaction: t);
                c.Execute("INSERT INTO schema_migrations (version, applied_at) VALUES (@version, @at)",
                    new { version, at = SqliteRunStore.Text(_clock.GetUtcNow()) }, t);
                return 1;
            }, cancellationToken);
        }
    }

    public Task SaveLinkDocumentAsync(StoredLinkDocument document, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync((c, t) => c.Execute("""
            INSERT INTO server_links (id, tenant, document, updated_at) VALUES (@LinkId, @Tenant, @ProtectedDocument, @UpdatedAt)
            ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, document = excluded.document, updated_at = excluded.updated_at
            """, new { document.LinkId, document.Tenant, document.ProtectedDocument, UpdatedAt = SqliteRunStore.Text(document.UpdatedAt) }, t), cancellationToken);

    public async Task<IReadOnlyList<StoredLinkDocument>> ListLinkDocumentsAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<(string Id, string Tenant, string Document, string UpdatedAt)>(
            new CommandDefinition("SELECT id, tenant, document, updated_at FROM server_links ORDER BY id", cancellationToken: cancellationToken));
        return [.. rows.Select(row => new StoredLinkDocument(row.Id, row.Tenant, row.Document, SqliteRunStore.Time(row.UpdatedAt)))];
    }

    public async Task<LinkStateView?> GetLinkStateAsync(string linkId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var row = await connection.QuerySingleOrDefaultAsync<StateRow>(
            new CommandDefinition("SELECT state AS State, state_reason AS Reason FROM links WHERE id = @linkId", new { linkId }, cancellationToken: cancellationToken));
        return row is null ? null : new LinkStateView(linkId, row.State == "Active", row.Reason);
    }

    public Task AddApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync((c, t) => c.Execute("""
            INSERT INTO api_keys (prefix, hash, scope, tenant, name, created_at) VALUES (@Prefix, @Hash, @Scope, @Tenant, @Name, @CreatedAt)
            """, new { key.Prefix, key.Hash, Scope = key.Scope.ToString(), key.Tenant, key.Name, CreatedAt = SqliteRunStore.Text(key.CreatedAt) }, t), cancellationToken);

    public async Task<ApiKeyRecord?> FindApiKeyAsync(string prefix, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var row = await connection.QuerySingleOrDefaultAsync<KeyRow>(
            new CommandDefinition($"{KeyRow.Select} WHERE prefix = @prefix", new { prefix }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<KeyRow>(new CommandDefinition($"{KeyRow.Select} ORDER BY created_at, prefix", cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToRecord())];
    }

    public async Task<bool> RevokeApiKeyAsync(string prefix, DateTimeOffset at, CancellationToken cancellationToken) =>
        await runs.Writer.ExecuteAsync((c, t) => c.Execute(
            "UPDATE api_keys SET revoked_at = @at WHERE prefix = @prefix AND revoked_at IS NULL",
            new { prefix, at = SqliteRunStore.Text(at) }, t), cancellationToken) == 1;

    public async Task<IdempotencyRecord?> FindIdempotencyAsync(string scope, string key, DateTimeOffset notBefore, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var row = await connection.QuerySingleOrDefaultAsync<IdempotencyRow>(new CommandDefinition(
            "SELECT request_hash AS RequestHash, status AS Status, location AS Location, body AS Body, created_at AS CreatedAt FROM idempotency_records WHERE scope = @scope AND key = @key AND created_at >= @notBefore",
            new { scope, key, notBefore = SqliteRunStore.Text(notBefore) }, cancellationToken: cancellationToken));
        return row is null
            ? null
            : new IdempotencyRecord(scope, key, row.RequestHash, (int)row.Status, row.Location, row.Body, SqliteRunStore.Time(row.CreatedAt));
    }

    public Task SaveIdempotencyAsync(IdempotencyRecord record, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync((c, t) => c.Execute("""
            INSERT OR REPLACE INTO idempotency_records (scope, key, request_hash, status, location, body, created_at)
            VALUES (@Scope, @Key, @RequestHash, @Status, @Location, @Body, @CreatedAt)
            """, new { record.Scope, record.Key, record.RequestHash, record.Status, record.Location, record.Body, CreatedAt = SqliteRunStore.Text(record.CreatedAt) }, t),
            cancellationToken);

    public Task<int> PurgeIdempotencyAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync((c, t) => c.Execute("DELETE FROM idempotency_records WHERE created_at < @before",
            new { before = SqliteRunStore.Text(before) }, t), cancellationToken);

    private const string InsertPush = """
        INSERT INTO pushes (link_id, tenant, payload, request_id, callback_url, callback_secret, accepted_at, record_count)
        VALUES (@LinkId, @Tenant, @Payload, @RequestId, @CallbackUrl, @ProtectedCallbackSecret, @AcceptedAt, @RecordCount) RETURNING id
        """;

    public Task<long> AddPushAsync(StoredPush push, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync((c, t) => c.ExecuteScalar<long>(InsertPush, PushParameters(push), t), cancellationToken);

    public Task<IReadOnlyList<long>> AddPushesAsync(IReadOnlyList<StoredPush> pushes, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync<IReadOnlyList<long>>((c, t) => [.. pushes.Select(push => c.ExecuteScalar<long>(InsertPush, PushParameters(push), t))], cancellationToken);

    private static object PushParameters(StoredPush push) => new
    {
        push.LinkId, push.Tenant, push.Payload, push.RequestId, push.CallbackUrl, push.ProtectedCallbackSecret, AcceptedAt = SqliteRunStore.Text(push.AcceptedAt),
        push.RecordCount,
    };

    public Task PushStartedAsync(IReadOnlyList<long> pushIds, long runId, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync((c, t) => c.Execute("UPDATE pushes SET run_id = @runId WHERE id IN @pushIds", new { pushIds, runId }, t), cancellationToken);

    public Task PushFinishedAsync(long pushId, DateTimeOffset at, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync((c, t) => c.Execute("UPDATE pushes SET finished_at = @at WHERE id = @pushId",
            new { pushId, at = SqliteRunStore.Text(at) }, t), cancellationToken);

    public Task<int> PurgePushPayloadsAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync((c, t) => c.Execute("UPDATE pushes SET payload = '' WHERE finished_at IS NOT NULL AND finished_at <= @before AND payload <> ''",
            new { before = SqliteRunStore.Text(finishedBefore) }, t), cancellationToken);

    public async Task<StoredPush?> GetPushAsync(long pushId, string? tenant, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var row = await connection.QuerySingleOrDefaultAsync<PushRow>(new CommandDefinition($"{PushRow.Select} WHERE p.id = @pushId AND (@tenant IS NULL OR p.tenant = @tenant)",
            new { pushId, tenant }, cancellationToken: cancellationToken));
        return row?.ToPush();
    }

    public Task<IReadOnlyList<StoredPush>> ListUnstartedPushesAsync(CancellationToken cancellationToken) =>
        ListPushesAsync("run_id IS NULL", cancellationToken);

    public Task<IReadOnlyList<StoredPush>> ListUnfinishedPushesAsync(CancellationToken cancellationToken) =>
        ListPushesAsync("run_id IS NOT NULL AND finished_at IS NULL", cancellationToken);

    private async Task<IReadOnlyList<StoredPush>> ListPushesAsync(string where, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<(long Id, string LinkId, string Tenant, string Payload, string? RequestId, string? CallbackUrl, long? RunId, string AcceptedAt,
            string? CallbackSecret, long? RecordCount)>(
            new CommandDefinition($"""
                SELECT id, link_id, tenant, payload, request_id, callback_url, run_id, accepted_at, callback_secret, record_count FROM pushes WHERE {where} ORDER BY id
                """, cancellationToken: cancellationToken));
        return [.. rows.Select(row => new StoredPush(row.Id, row.LinkId, row.Tenant, row.Payload, row.RequestId, row.CallbackUrl, row.RunId,
            SqliteRunStore.Time(row.AcceptedAt), null) { ProtectedCallbackSecret = row.CallbackSecret, RecordCount = (int?)row.RecordCount })];
    }

    public Task SaveReplayOverrideAsync(ReplayOverride replay, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync((c, t) => c.Execute("""
            INSERT INTO replay_overrides (link_id, tenant, automated_replay, max_attempts, updated_at)
            VALUES (@LinkId, @Tenant, @AutomatedReplay, @MaxAttempts, @UpdatedAt)
            ON CONFLICT (link_id) DO UPDATE SET tenant = excluded.tenant, automated_replay = excluded.automated_replay,
                max_attempts = excluded.max_attempts, updated_at = excluded.updated_at
            """, new { replay.LinkId, replay.Tenant, AutomatedReplay = replay.AutomatedReplay ? 1 : 0, replay.MaxAttempts, UpdatedAt = SqliteRunStore.Text(replay.UpdatedAt) }, t),
            cancellationToken);

    public async Task<bool> DeleteReplayOverrideAsync(string linkId, CancellationToken cancellationToken) =>
        await runs.Writer.ExecuteAsync((c, t) => c.Execute("DELETE FROM replay_overrides WHERE link_id = @linkId", new { linkId }, t), cancellationToken) == 1;

    public async Task<IReadOnlyList<ReplayOverride>> ListReplayOverridesAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<(string LinkId, string Tenant, long AutomatedReplay, long MaxAttempts, string UpdatedAt)>(new CommandDefinition(
            "SELECT link_id, tenant, automated_replay, max_attempts, updated_at FROM replay_overrides ORDER BY link_id", cancellationToken: cancellationToken));
        return [.. rows.Select(row => new ReplayOverride(row.LinkId, row.Tenant, row.AutomatedReplay != 0, (int)row.MaxAttempts, SqliteRunStore.Time(row.UpdatedAt)))];
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";
        command.ExecuteNonQuery();
        return connection;
    }

    private sealed record StateRow(string State, string? Reason);

    private sealed record IdempotencyRow(string RequestHash, long Status, string? Location, string Body, string CreatedAt);

    private sealed record PushRow(long Id, string LinkId, string Tenant, string? RequestId, string? CallbackUrl, long? RunId, string AcceptedAt, string? FinishedAt,
        long? RecordCount, long? FirstRecord)
    {
        // Pushes sharing a run are read in the order of their ids: those before this one hold the run's records before its own.
        public const string Select = """
            SELECT p.id AS Id, p.link_id AS LinkId, p.tenant AS Tenant, p.request_id AS RequestId, p.callback_url AS CallbackUrl, p.run_id AS RunId,
                p.accepted_at AS AcceptedAt, p.finished_at AS FinishedAt, p.record_count AS RecordCount,
                (SELECT COALESCE(SUM(e.record_count), 0) FROM pushes e WHERE e.run_id = p.run_id AND e.id < p.id) AS FirstRecord
            FROM pushes p
            """;

        public StoredPush ToPush() => new(Id, LinkId, Tenant, "", RequestId, CallbackUrl, RunId, SqliteRunStore.Time(AcceptedAt), FinishedAt is null ? null : SqliteRunStore.Time(FinishedAt))
        {
            RecordCount = (int?)RecordCount,
            FirstRecord = RunId is null ? null : (int?)FirstRecord,
        };
    }

    private sealed record KeyRow(string Prefix, string Hash, string Scope, string? Tenant, string Name, string CreatedAt, string? RevokedAt)
    {
        public const string Select = "SELECT prefix AS Prefix, hash AS Hash, scope AS Scope, tenant AS Tenant, name AS Name, created_at AS CreatedAt, revoked_at AS RevokedAt FROM api_keys";

        public ApiKeyRecord ToRecord() => new(Prefix, Hash, Enum.Parse<ApiKeyScope>(Scope), Tenant, Name, SqliteRunStore.Time(CreatedAt),
            RevokedAt is null ? null : SqliteRunStore.Time(RevokedAt));
    }
}
