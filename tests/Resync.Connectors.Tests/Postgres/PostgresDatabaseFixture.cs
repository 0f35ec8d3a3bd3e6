using Resync.Testing.Postgres;

namespace Resync.Connectors.Tests.Postgres;

/// <summary>One fresh database on the shared test cluster per test class.</summary>
public sealed class PostgresDatabaseFixture : IAsyncLifetime
{
    private PostgresDatabase? _database;

    public PostgresDatabase Database => _database ?? throw new InvalidOperationException("The database is not created yet.");

    public async Task InitializeAsync() => _database = await PostgresDatabase.CreateAsync("connectors");

    public async Task DisposeAsync()
    {
        if (_database is not null)
            await _database.DisposeAsync();
    }
}
