using System.Data.Common;
using Npgsql;
using Resync.Connectors.Breakers;
using Resync.Core.Errors;

namespace Resync.Connectors.Postgres;

/// <summary>
/// Opens PostgreSQL connections through the tenant's circuit breaker of the database server (<c>postgres://host:port</c>:
/// never the user, password or other keys of the connection string): when the server is dead, the links of the tenant
/// that use it fail fast with <c>CIRCUIT_OPEN</c> and back off instead of each waiting for its connection attempts.
/// Only opening counts: a statement's failure says the server is there.
/// </summary>
internal sealed class BreakerPostgresDataSource(DbDataSource inner, ConnectionBreakers breakers, string tenant) : DbDataSource
{
    /// <summary>The connection a breaker counts for a connection string: the scheme, first host and port.</summary>
    public string Connection { get; } = ConnectionOf(inner.ConnectionString);

    public override string ConnectionString => inner.ConnectionString;

    protected override DbConnection CreateDbConnection() => inner.CreateConnection();

    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken) =>
        await breakers.CallAsync(tenant, Connection, async token =>
        {
            try
            {
                return await inner.OpenConnectionAsync(token);
            }
            catch (Exception exception) when (exception is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException
                && PostgresExceptionClassifier.Policy.Classify(exception) is { Type: ErrorType.Connection } connection)
            {
                // As a Connection error the breaker counts it; its classification is the one the run reports anyway.
                throw new ResyncException(connection, exception);
            }
        }, cancellationToken);

    protected override async ValueTask DisposeAsyncCore() => await inner.DisposeAsync();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }

    internal static string ConnectionOf(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var host = (builder.Host ?? "").Split(',', StringSplitOptions.TrimEntries)[0];
        return host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') && host.Count(c => c == ':') == 1
            ? $"postgres://{host}".ToLowerInvariant()
            : $"postgres://{host}:{builder.Port}".ToLowerInvariant();
    }
}
