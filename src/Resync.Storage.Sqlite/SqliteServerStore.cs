using Dapper;
using Resync.Storage.Relational;

namespace Resync.Storage.Sqlite;

/// <summary>
/// The server's state (API links, hashed API keys, idempotency records, async push payloads, alert routes and outbox) in the
/// run store's SQLite file. Writes share the run store's group-committing writer, so a push payload and the batches of
/// running links share one fsync; reads open their own connections. Everything but the migrations is <see cref="RelationalServerStore"/>'s.
/// </summary>
public sealed class SqliteServerStore(SqliteRunStore runs, TimeProvider? clock = null) : RelationalServerStore(runs)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public override async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await runs.InitializeAsync(cancellationToken);
        await using var connection = await runs.OpenReadAsync(cancellationToken);
        var applied = connection.Query<long>("SELECT version FROM schema_migrations").ToHashSet();
        NewerSchema.Refuse(applied, SqliteServerMigrations.All, $"The state file '{runs.Location}'");
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
                    new { version, at = StoredTime.Text(_clock.GetUtcNow()) }, t);
                return 1;
            }, cancellationToken);
        }
    }
}
