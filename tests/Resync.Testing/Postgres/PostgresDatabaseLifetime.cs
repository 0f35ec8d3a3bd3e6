namespace Resync.Testing.Postgres;

/// <summary>
/// A fresh database on the shared test cluster, created when a test class (or its class fixture) starts and dropped when it
/// ends. Derive from it and declare xUnit's <c>IAsyncLifetime</c>, which these two methods implement: as a class fixture, one
/// database for the class; as the test class itself, one per test.
/// </summary>
public abstract class PostgresDatabaseLifetime(string prefix)
{
    private PostgresDatabase? _database;

    public PostgresDatabase Database => _database ?? throw new InvalidOperationException("The database is created in InitializeAsync.");

    public async Task InitializeAsync() => _database = await PostgresDatabase.CreateAsync(prefix);

    public async Task DisposeAsync()
    {
        if (_database is not null)
            await _database.DisposeAsync();
    }
}
