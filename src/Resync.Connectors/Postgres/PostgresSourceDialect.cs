using System.Data.Common;
using Npgsql;
using Resync.Connectors.Sql;

namespace Resync.Connectors.Postgres;

/// <summary>PostgreSQL for <see cref="SqlTableSource"/>: pooled connections; text parameters are cast to the column's type.</summary>
internal sealed class PostgresSourceDialect(DbDataSource dataSource) : SqlSourceDialect
{
    public override string Where => $"database '{new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Database}'";

    public override bool AllowsSchema => true;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await dataSource.OpenConnectionAsync(cancellationToken);

    public override async Task<IReadOnlyDictionary<string, string?>> ColumnsAsync(DbConnection connection, SqlTableName table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a
            WHERE a.attrelid = to_regclass(@table) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """;
        command.Parameters.Add(new NpgsqlParameter("table", table.Quoted));
        var columns = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            columns[reader.GetString(0)] = reader.GetString(1);
        return columns;
    }

    public override ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
