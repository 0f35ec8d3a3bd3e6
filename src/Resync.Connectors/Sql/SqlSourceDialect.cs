using System.Data.Common;

namespace Resync.Connectors.Sql;

/// <summary>What differs between the databases a <see cref="SqlTableSource"/> reads: connecting, and how a text parameter compares with a column.</summary>
internal abstract class SqlSourceDialect : IAsyncDisposable
{
    /// <summary>A human-readable name of where the table lives (for errors).</summary>
    public abstract string Where { get; }

    /// <summary>True when table names may be schema-qualified.</summary>
    public abstract bool AllowsSchema { get; }

    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The table's columns, each with the type a text parameter is cast to when compared with it (PostgreSQL), or
    /// null when the database converts by the column's affinity on its own (SQLite). Empty when the table does not exist.
    /// </summary>
    public abstract Task<IReadOnlyDictionary<string, string?>> ColumnsAsync(DbConnection connection, SqlTableName table, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}
