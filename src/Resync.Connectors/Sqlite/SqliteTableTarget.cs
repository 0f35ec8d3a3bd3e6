using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Connectors.Sqlite;

/// <summary>
/// Writes records into a SQLite table, one transaction per batch, with exact per-record errors: SQLite undoes
/// only the failing statement, so a record that breaks a constraint fails alone and its siblings are written,
/// without savepoints or extra round trips. Batches take turns (SQLite has one writer at a time).
/// </summary>
public sealed partial class SqliteTableTarget : ITarget
{
    private readonly string _connectionString;
    private readonly string _table;
    private readonly SqliteWriteMode _mode;
    private readonly string? _key;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly string? _createTable;
    private TableShape? _shape;

    /// <param name="path">The SQLite file.</param>
    /// <param name="table">The table to write.</param>
    /// <param name="mode">Insert, upsert or update.</param>
    /// <param name="key">The column records are matched by (upsert and update).</param>
    /// <param name="createTable">DDL run once before the first write (built-in targets only; link files never carry SQL).</param>
    public SqliteTableTarget(string path, string table, SqliteWriteMode mode, string? key, string? createTable = null)
    {
        if (mode != SqliteWriteMode.Insert && string.IsNullOrEmpty(key))
            throw new ArgumentException($"mode {mode.ToString().ToLowerInvariant()} needs 'key' (the column records are matched by)");
        if (!IdentifierPattern().IsMatch(table))
            throw new ArgumentException($"'{table}' is not a valid table name");
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = true, DefaultTimeout = 30 }.ToString();
        _table = table;
        _mode = mode;
        _key = key;
        _createTable = createTable;
        if (createTable is not null)
            _connectionString = new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadWriteCreate }.ToString();
    }

    public async Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            return Write(batch.Records);
        }
        finally
        {
            _writer.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        _writer.Dispose();
        return ValueTask.CompletedTask;
    }

    private TargetWriteResult Write(IReadOnlyList<Record> records)
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        if (_shape is null && _createTable is not null)
        {
            using var create = connection.CreateCommand();
            create.CommandText = _createTable;
            create.ExecuteNonQuery();
        }
        var shape = _shape ??= TableShape.Read(connection, _table, _key);
        using var transaction = connection.BeginTransaction(deferred: false);
        var commands = new Dictionary<string, (SqliteCommand Command, string[] Columns)>(StringComparer.Ordinal);
        List<TargetRecordIssue>? issues = null;
        try
        {
            for (var index = 0; index < records.Count; index++)
            {
                var record = records[index];
                var columns = shape.ColumnsOf(record);
                var signature = string.Join('\u001f', columns);
                if (!commands.TryGetValue(signature, out var prepared))
                {
                    prepared = (Prepare(connection, transaction, columns), columns);
                    commands[signature] = prepared;
                }
                for (var i = 0; i < prepared.Columns.Length; i++)
                    prepared.Command.Parameters[i].Value = ToDb(record[prepared.Columns[i]]);
                try
                {
                    var changed = prepared.Command.ExecuteNonQuery();
                    if (changed == 0 && _mode == SqliteWriteMode.Update)
                    {
                        (issues ??= []).Add(new TargetRecordIssue(index, new ErrorClassification(ErrorType.Data, Durability.Durable, "NOT_FOUND",
                            $"no row in {_table} has {_key} = '{record[_key!]}'", "Update mode only changes existing rows: use upsert to create missing ones.", [_key!])));
                    }
                }
                catch (SqliteException exception) when (exception.SqliteErrorCode is SqliteResultCodes.Constraint or SqliteResultCodes.Mismatch or SqliteResultCodes.TooBig)
                {
                    (issues ??= []).Add(new TargetRecordIssue(index, shape.Explain(ErrorClassifier.Default.ClassifySqlite(exception.SqliteErrorCode, exception.SqliteExtendedErrorCode, exception.Message))));
                }
            }
            Commit(transaction);
        }
        finally
        {
            foreach (var (command, _) in commands.Values)
                command.Dispose();
        }
        return issues is null ? TargetWriteResult.AllWritten : new TargetWriteResult(issues);
    }

    private static void Commit(SqliteTransaction transaction)
    {
        try
        {
            transaction.Commit();
        }
        catch (SqliteException exception)
        {
            // The records were accepted one by one but the commit failed: nothing may be reported as written.
            throw new ResyncException(new ErrorClassification(ErrorType.Inconsistency, Durability.Durable, SqliteResultCodes.Name(exception.SqliteErrorCode),
                $"The commit of the batch failed: {exception.Message}", "Nothing of this batch was written; check the target database, then retry the run's failures."), exception);
        }
    }

    private SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string[] columns)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var names = string.Join(", ", columns.Select(Quote));
        var values = string.Join(", ", columns.Select((_, i) => $"$p{i}"));
        command.CommandText = _mode switch
        {
            SqliteWriteMode.Insert => $"INSERT INTO {Quote(_table)} ({names}) VALUES ({values})",
            SqliteWriteMode.Upsert => $"INSERT INTO {Quote(_table)} ({names}) VALUES ({values}) ON CONFLICT ({Quote(_key!)}) DO " +
                (columns.Length > 1 ? $"UPDATE SET {string.Join(", ", columns.Where(c => c != _key).Select(c => $"{Quote(c)} = excluded.{Quote(c)}"))}" : "NOTHING"),
            _ => $"UPDATE {Quote(_table)} SET {string.Join(", ", columns.Select((c, i) => (c, i)).Where(p => p.c != _key).Select(p => $"{Quote(p.c)} = $p{p.i}"))} " +
                 $"WHERE {Quote(_key!)} = $p{Array.IndexOf(columns, _key)}",
        };
        for (var i = 0; i < columns.Length; i++)
            command.Parameters.Add(new SqliteParameter($"$p{i}", null));
        command.Prepare();
        return command;
    }

    private static object ToDb(object? value) => value switch
    {
        null => DBNull.Value,
        bool flag => flag ? 1 : 0,
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        decimal number => (double)number,
        _ => value,
    };

    private static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    internal static partial Regex IdentifierPattern();
}
