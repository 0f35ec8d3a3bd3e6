using System.Data.Common;
using System.Runtime.CompilerServices;
using Resync.Connectors.Postgres;
using Resync.Connectors.Retry;
using Resync.Connectors.Sqlite;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Connectors.Sql;

/// <summary>
/// Reads a table (PostgreSQL or SQLite) in pages by keyset: ordered by (updated-at, key) for delta pulls, asking only
/// for rows changed since the watermark, or by key alone for full pulls. A page's cursor names its range, so a failed
/// page is re-read exactly; a page's watermark is its highest updated-at as ISO-8601 text. Rows whose updated-at is
/// null are not read by a delta source. A resume continues after the last row of the page it is given. Link files name a
/// table and columns only, never SQL.
/// </summary>
public sealed class SqlTableSource : ISource, IKeyedSource, IResumableSource, IAsyncDisposable
{
    private readonly SqlSourceDialect _dialect;
    private readonly SqlTableName _table;
    private readonly string _key;
    private readonly string? _updatedAt;
    private readonly SemaphoreSlim _castsLock = new(1, 1);
    private readonly CallPipeline _retry;
    private IReadOnlyDictionary<string, string?>? _columns;

    private SqlTableSource(SqlSourceDialect dialect, string table, string keyColumn, string? updatedAtColumn, CallPipeline retry)
    {
        _dialect = dialect;
        _retry = retry;
        _table = SqlTableName.Parse(table, dialect.AllowsSchema);
        foreach (var column in new[] { keyColumn, updatedAtColumn })
        {
            if (column is not null && !SqlTableName.IsIdentifier(column))
                throw new ArgumentException($"'{column}' is not a valid column name (letters, digits and '_')");
        }
        _key = keyColumn;
        _updatedAt = updatedAtColumn;
    }

    /// <summary>A PostgreSQL table; the source owns and disposes <paramref name="dataSource"/>.</summary>
    /// <param name="retry">How a read is made again after an ephemeral failure (the link's <c>settings.retry</c>); default: none.</param>
    public static SqlTableSource Postgres(System.Data.Common.DbDataSource dataSource, string table, string keyColumn, string? updatedAtColumn = null, CallRetry? retry = null) =>
        new(new PostgresSourceDialect(dataSource), table, keyColumn, updatedAtColumn,
            new CallPipeline(retry ?? CallRetry.None, PostgresExceptionClassifier.Policy));

    /// <summary>A table of a SQLite file (opened read-only).</summary>
    /// <param name="retry">How a read is made again after an ephemeral failure (the link's <c>settings.retry</c>); default: none.</param>
    public static SqlTableSource Sqlite(string path, string table, string keyColumn, string? updatedAtColumn = null, Action<string>? beforeOpen = null, CallRetry? retry = null) =>
        new(new SqliteSourceDialect(path, beforeOpen), table, keyColumn, updatedAtColumn,
            new CallPipeline(retry ?? CallRetry.None, SqliteExceptionClassifier.Policy));

    public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
        ReadFromAsync(new SqlSourceCursor(_updatedAt is null ? null : context.Watermark, null, null), context, cancellationToken);

    /// <summary>The pages after the page <paramref name="cursor"/>: rows past its last row, in the same order.</summary>
    public IAsyncEnumerable<SourcePage> ReadAfterAsync(string cursor, SourceContext context, CancellationToken cancellationToken)
    {
        var page = SqlSourceCursor.Parse(cursor);
        var through = page.Through ?? throw new ArgumentException($"the cursor '{cursor}' names no last row, so the pages after it cannot be found", nameof(cursor));
        return ReadFromAsync(new SqlSourceCursor(null, through, null), context, cancellationToken);
    }

    private async IAsyncEnumerable<SourcePage> ReadFromAsync(SqlSourceCursor position, SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            var (records, last) = await ReadRowsAsync(position, context.BatchSize, context.Clock, cancellationToken);
            if (records.Count == 0)
                yield break;
            var page = position with { Through = last };
            yield return SourcePage.Of(page.Serialize(), records, Watermark(last));
            if (records.Count < context.BatchSize)
                yield break;
            position = new SqlSourceCursor(null, last, null);
        }
    }

    public async Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken)
    {
        var page = SqlSourceCursor.Parse(cursor);
        var (records, _) = await ReadRowsAsync(page, limit: null, context.Clock, cancellationToken);
        return SourcePage.Of(cursor, records, Watermark(page.Through));
    }

    public Task<Record?> FetchByKeyAsync(string key, SourceContext context, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync((_, token) => new ValueTask<Record?>(FetchByKeyOnceAsync(key, token)), cancellationToken, context.Clock);

    private async Task<Record?> FetchByKeyOnceAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await _dialect.OpenAsync(cancellationToken);
        var casts = await CastsAsync(connection, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {_table.Quoted} WHERE {SqlTableName.Quote(_key)} = {casts(Add(command, key), _key)}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<Record>(1);
        if (await reader.ReadAsync(cancellationToken))
            Read(reader, records);
        return records.Count == 0 ? null : records[0];
    }

    public async ValueTask DisposeAsync()
    {
        _castsLock.Dispose();
        await _dialect.DisposeAsync();
    }

    // One page's rows and the (updated-at, key) position of its last row; a read changes nothing, so it is simply made again
    // after an ephemeral failure (a lock, SQLITE_BUSY, a connection lost).
    private Task<(List<Record> Records, string?[]? Last)> ReadRowsAsync(SqlSourceCursor cursor, int? limit, TimeProvider clock, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(async (_, token) =>
        {
            var records = new List<Record>(limit ?? 16);
            string?[]? last = null;
            await using var connection = await _dialect.OpenAsync(token);
            var casts = await CastsAsync(connection, token);
            await using var command = connection.CreateCommand();
            Select(command, casts, cursor, limit);
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
                last = Read(reader, records);
            return (records, last);
        }, cancellationToken, clock);

    // SELECT * … WHERE (after the position or the watermark) AND (through the page's last row) ORDER BY (updated-at,) key.
    private void Select(DbCommand command, Func<string, string, string> casts, SqlSourceCursor cursor, int? limit)
    {
        string[] order = _updatedAt is null ? [_key] : [_updatedAt, _key];
        var conditions = new List<string>();
        if (_updatedAt is not null)
            conditions.Add($"{SqlTableName.Quote(_updatedAt)} IS NOT NULL");
        if (cursor.After is { } after)
            conditions.Add($"{Row(order.Select(SqlTableName.Quote))} > {Row(order.Select((column, i) => casts(Add(command, after[i]), column)))}");
        else if (cursor.Since is { } since && _updatedAt is not null)
            conditions.Add($"{SqlTableName.Quote(_updatedAt)} > {casts(Add(command, since), _updatedAt)}");
        if (cursor.Through is { } through)
            conditions.Add($"{Row(order.Select(SqlTableName.Quote))} <= {Row(order.Select((column, i) => casts(Add(command, through[i]), column)))}");
        command.CommandText = $"SELECT * FROM {_table.Quoted}" +
            (conditions.Count == 0 ? "" : $" WHERE {string.Join(" AND ", conditions)}") +
            $" ORDER BY {string.Join(", ", order.Select(SqlTableName.Quote))}" +
            (limit is { } n ? $" LIMIT {n}" : "");
    }

    // One SQL value, or a row value of several (both databases compare row values in order).
    private static string Row(IEnumerable<string> sql)
    {
        var items = sql.ToArray();
        return items.Length == 1 ? items[0] : $"({string.Join(", ", items)})";
    }

    private static string Add(DbCommand command, string? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = $"@p{command.Parameters.Count}";
        parameter.Value = (object?)value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter.ParameterName;
    }

    // Reads one row into a record and returns its (updated-at, key) position as text.
    private string?[] Read(DbDataReader reader, List<Record> records)
    {
        var fields = new Dictionary<string, object?>(reader.FieldCount, StringComparer.Ordinal);
        for (var i = 0; i < reader.FieldCount; i++)
            fields[reader.GetName(i)] = SqlValues.ToRecordValue(reader.IsDBNull(i) ? null : reader.GetValue(i));
        var key = SqlValues.ToText(fields.GetValueOrDefault(_key));
        records.Add(new Record(key, fields));
        return _updatedAt is null ? [key] : [SqlValues.ToText(fields.GetValueOrDefault(_updatedAt)), key];
    }

    private string? Watermark(string?[]? last) => _updatedAt is null || last is null ? null : last[0];

    // How a text parameter is compared with a column: cast to the column's type where the database needs it.
    private async Task<Func<string, string, string>> CastsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var columns = _columns;
        if (columns is null)
        {
            await _castsLock.WaitAsync(cancellationToken);
            try
            {
                columns = _columns ??= await ReadColumnsAsync(connection, cancellationToken);
            }
            finally
            {
                _castsLock.Release();
            }
        }
        return (parameter, column) => columns[column] is { } type ? $"CAST({parameter} AS {type})" : parameter;
    }

    private async Task<IReadOnlyDictionary<string, string?>> ReadColumnsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var columns = await _dialect.ColumnsAsync(connection, _table, cancellationToken);
        if (columns.Count == 0)
        {
            throw new ResyncException(new ErrorClassification(ErrorType.Runtime, Durability.Durable, ErrorCodes.TableNotFound,
                $"The source table '{_table}' does not exist in {_dialect.Where}", "Create the table, or fix 'table' in the link's source."));
        }
        foreach (var (option, column) in new[] { ("keyColumn", _key), ("updatedAtColumn", _updatedAt) })
        {
            if (column is not null && !columns.ContainsKey(column))
                throw SqlTargetIssues.ColumnNotFound(option, column, _table.ToString(), columns.Keys);
        }
        return columns;
    }
}
