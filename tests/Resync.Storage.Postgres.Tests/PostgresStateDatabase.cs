using Resync.Testing.Postgres;

namespace Resync.Storage.Postgres.Tests;

/// <summary>One database on the shared test cluster for a test class; each test takes a schema of its own in it.</summary>
public sealed class PostgresStateDatabase() : PostgresDatabaseLifetime("resync_state"), IAsyncLifetime
{
    /// <summary>
    /// A connection string to a fresh, empty schema, with a small pool: test classes run in parallel against one cluster of
    /// 100 connections, and a store would otherwise take up to 100 for its parallel writes.
    /// </summary>
    public async Task<string> FreshStateAsync() =>
        new Npgsql.NpgsqlConnectionStringBuilder(await Database.CreateSchemaAsync("state")) { MaxPoolSize = 8 }.ToString();
}
