using Resync.Storage.Relational;

namespace Resync.Storage.Postgres;

/// <summary>
/// The server's state (API links, hashed API keys, idempotency records, async push payloads, alert routes and outbox) in the
/// run store's PostgreSQL database, so that every server of a cluster sees the same keys, pushes and alerts. Everything but
/// the migrations is <see cref="RelationalServerStore"/>'s.
/// </summary>
public sealed class PostgresServerStore(PostgresRunStore runs) : RelationalServerStore(runs)
{
    public override async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await runs.InitializeAsync(cancellationToken);
        await runs.MigrateAsync(PostgresMigrations.Server, cancellationToken);
    }
}
