using Resync.Server;
using Resync.Storage.Compliance;

namespace Resync.Storage.Postgres.Tests;

/// <summary>The server store's compliance suite on a real PostgreSQL database (a schema per test).</summary>
public sealed class PostgresServerStoreTests(PostgresStateDatabase database) : ServerStoreCompliance, IClassFixture<PostgresStateDatabase>
{
    protected override async Task<OpenedState> CreateStateAsync() =>
        new PostgresStateStoreProvider().Open(await database.FreshStateAsync(), TimeProvider.System);
}
