using Npgsql;

namespace Resync.Testing.Postgres;

/// <summary>A fresh database on the shared test cluster, dropped on dispose. Make one per test class.</summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private PostgresDatabase(PostgresServer server, string connectionString)
    {
        Server = server;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public PostgresServer Server { get; }

    public string ConnectionString { get; }

    /// <summary>A pooled data source for the test's own queries.</summary>
    public NpgsqlDataSource DataSource { get; }

    public static async Task<PostgresDatabase> CreateAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var server = await PostgresServer.SharedAsync();
        return new PostgresDatabase(server, await server.CreateDatabaseAsync(prefix, cancellationToken));
    }

    /// <summary>
    /// Creates a fresh, empty schema in this database and returns a connection string whose search path is that schema, so that
    /// each test gets tables of its own at the cost of a schema rather than a database.
    /// </summary>
    public async Task<string> CreateSchemaAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var name = $"{prefix.ToLowerInvariant()}_{Guid.NewGuid().ToString("N")[..12]}";
        await ExecuteAsync($"CREATE SCHEMA \"{name}\"", cancellationToken);
        return new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = name }.ToString();
    }

    /// <summary>Runs SQL (DDL or DML) and returns the rows it affected.</summary>
    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand(sql);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs a query and returns every row's values (DBNull as null).</summary>
    public async Task<IReadOnlyList<object?[]>> QueryAsync(string sql, CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await Server.DropDatabaseAsync(ConnectionString);
    }
}
