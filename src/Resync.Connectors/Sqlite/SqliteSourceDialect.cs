using System.Data.Common;
using Microsoft.Data.Sqlite;
using Resync.Connectors.Sql;

namespace Resync.Connectors.Sqlite;

/// <summary>SQLite for <see cref="SqlTableSource"/>: a read-only pooled connection; comparisons follow the column's affinity.</summary>
internal sealed class SqliteSourceDialect(string path, Action<string>? beforeOpen) : SqlSourceDialect
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = true, DefaultTimeout = 30 }.ToString();

    public override string Where => path;

    public override bool AllowsSchema => false;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        beforeOpen?.Invoke(path);
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public override async Task<IReadOnlyDictionary<string, string?>> ColumnsAsync(DbConnection connection, SqlTableName table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_table_info(@table)";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@table";
        parameter.Value = table.Table;
        command.Parameters.Add(parameter);
        var columns = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            columns[reader.GetString(0)] = null;
        return columns;
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
