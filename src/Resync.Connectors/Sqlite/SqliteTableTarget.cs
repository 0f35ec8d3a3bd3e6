using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Resync.Connectors.Retry;
using Resync.Connectors.Sql;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Connectors.Sqlite;

/// <summary>
/// Writes records into a SQLite table, one transaction per batch, with exact per-record errors: SQLite undoes
/// only the failing statement, so a record that breaks a constraint fails alone and its siblings are written,
/// without savepoints or extra round trips. Batches take turns (SQLite has one writer at a time). Optionally
/// all-or-none per batch (<see cref="SqlTargetOptions.Transactional"/>) and stale-protected by a version column
/// (<see cref="SqlTargetOptions.VersionColumn"/>), with the same outcomes as the PostgreSQL target.
/// </summary>
public sealed partial class SqliteTableTarget : ITransactionalTarget
{
    private readonly CallPipeline _retry = new(CallRetry.None, SqliteExceptionClassifier.Policy);
    private readonly string _path;
    private readonly string _connectionString;
    private readonly string _table;
    private readonly SqlWriteMode _mode;
    private readonly string? _key;
    private readonly SqlTargetOptions _options;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly string? _createTable;
    private TableShape? _shape;

    // The run the shape was read for: it is read again at the first write of each run, so a schema fixed between a run
    // and its retry is seen.
    private long _shapeRunId = -1;

    /// <param name="path">The SQLite file.</param>
    /// <param name="table">The table to write.</param>
    /// <param name="mode">Insert, upsert or update.</param>
    /// <param name="key">The column records are matched by (upsert and update).</param>
    /// <param name="options">Transactional writes and stale protection.</param>
    /// <param name="createTable">DDL run once before the first write (built-in targets only; link files never carry SQL).</param>
    public SqliteTableTarget(string path, string table, SqlWriteMode mode, string? key, SqlTargetOptions? options = null, string? createTable = null)
    {
        _options = options ?? SqlTargetOptions.Default;
        if (mode != SqlWriteMode.Insert && string.IsNullOrEmpty(key))
            throw new ArgumentException($"mode {mode.ToString().ToLowerInvariant()} needs 'key' (the column records are matched by)");
        if (_options.VersionColumn is not null && mode == SqlWriteMode.Insert)
            throw new ArgumentException("'versionColumn' needs mode upsert or update (insert never overwrites a row)");
        if (!IdentifierPattern().IsMatch(table))
            throw new ArgumentException($"'{table}' is not a valid table name");
        _path = path;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = true, DefaultTimeout = 30 }.ToString();
        _table = table;
        _mode = mode;
        _key = key;
        _createTable = createTable;
        if (createTable is not null)
            _connectionString = new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadWriteCreate }.ToString();
    }

    /// <summary>Called with the file's path right before each connection is opened (a server checks it again there).</summary>
    public Action<string>? BeforeOpen { get; init; }

    public bool IsTransactional => _options.Transactional;

    /// <summary>How a batch's write is made again after an ephemeral failure (the link's <c>settings.retry</c>). The default is none.</summary>
    public CallRetry Retry { get => _retry.Retry; init => _retry = new CallPipeline(value, SqliteExceptionClassifier.Policy); }

    /// <summary>How long a write waits for another writer's lock before it fails with <c>SQLITE_BUSY</c> (whole seconds, at least 1). The default is 30 seconds.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public async Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken);
        try
        {
            // One transaction per batch, undone when anything before its commit fails (the write lock not taken, a statement
            // refused): writing the batch again after SQLITE_BUSY or SQLITE_LOCKED cannot write a record twice. A failed commit
            // is an Inconsistency, never retried.
            return await _retry.ExecuteAsync((_, _) => ValueTask.FromResult(Write(batch)), cancellationToken);
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

    private TargetWriteResult Write(TargetBatch batch)
    {
        var (records, runId) = (batch.Records, batch.RunId);
        BeforeOpen?.Invoke(_path);
        using var connection = new SqliteConnection(_connectionString);
        connection.DefaultTimeout = Math.Max(1, (int)BusyTimeout.TotalSeconds);
        connection.Open();
        if (_shape is null && _createTable is not null)
        {
            using var create = connection.CreateCommand();
            create.CommandText = _createTable;
            create.ExecuteNonQuery();
        }
        if (_shape is null || _shapeRunId != runId)
        {
            _shape = TableShape.Read(connection, _table, _key, _options.VersionColumn, keyMustBeUnique: _mode == SqlWriteMode.Upsert);
            if (_options.BatchLedger)
                CreateLedger(connection);
            _shapeRunId = runId;
        }
        var shape = _shape;
        var ledgerId = _options.BatchLedger ? SqlBatchLedger.IdOf(batch) : null;
        using var transaction = connection.BeginTransaction(deferred: false);
        // Looked up only when the batch may have been written before (in the writer's transaction: nothing writes it meanwhile).
        if (ledgerId is not null && batch.MayBeWritten && Recorded(connection, transaction, ledgerId, batch) is { } recorded)
            return recorded;
        var commands = new Dictionary<string, (SqliteCommand Command, string[] Columns)>(StringComparer.Ordinal);
        SqliteCommand? exists = null;
        List<TargetRecordIssue>? issues = null;
        var failed = false;
        try
        {
            for (var index = 0; index < records.Count; index++)
            {
                var record = records[index];
                if (_options.VersionColumn is { } version && record[version] is null)
                {
                    (issues ??= []).Add(new TargetRecordIssue(index, SqlTargetIssues.VersionMissing(version)));
                    failed = true;
                    continue;
                }
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
                    if (changed > 0 || _mode == SqlWriteMode.Insert)
                        continue;
                    // Skipped: stale (the row's version is newer), or no row to update.
                    var rowExists = _mode == SqlWriteMode.Upsert || RowExists(ref exists, connection, transaction, record);
                    if (rowExists && _options.VersionColumn is { } versionColumn)
                        (issues ??= []).Add(new TargetRecordIssue(index, null, SqlTargetIssues.StaleReason(versionColumn, record[versionColumn])));
                    else
                    {
                        (issues ??= []).Add(new TargetRecordIssue(index, SqlTargetIssues.NotFound(_table, _key!, record[_key!])));
                        failed = true;
                    }
                }
                catch (SqliteException exception) when (exception.SqliteErrorCode is SqliteResultCodes.Constraint or SqliteResultCodes.Mismatch or SqliteResultCodes.TooBig)
                {
                    (issues ??= []).Add(new TargetRecordIssue(index, shape.Explain(ErrorClassifier.Default.ClassifySqlite(exception.SqliteErrorCode, exception.SqliteExtendedErrorCode, exception.Message))));
                    failed = true;
                }
            }
            if (failed && _options.Transactional)
            {
                End(transaction, commit: false);
                return new TargetWriteResult(SqlTargetIssues.RollBack(records, issues!));
            }
            if (ledgerId is not null)
                Note(connection, transaction, ledgerId, batch, issues ?? []);
            End(transaction, commit: true);
        }
        finally
        {
            foreach (var (command, _) in commands.Values)
                command.Dispose();
            exists?.Dispose();
        }
        return issues is null ? TargetWriteResult.AllWritten : new TargetWriteResult(issues);
    }

    private static void CreateLedger(SqliteConnection connection)
    {
        using var create = connection.CreateCommand();
        create.CommandText = $"CREATE TABLE IF NOT EXISTS {Quote(SqlBatchLedger.TableName)} (batch_id TEXT PRIMARY KEY, link_id TEXT NOT NULL, " +
                             "root_run_id INTEGER NOT NULL, run_id INTEGER NOT NULL, batch_number INTEGER NOT NULL, records INTEGER NOT NULL, " +
                             "record_keys TEXT NOT NULL, issues TEXT, written_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));" +
                             $"CREATE INDEX IF NOT EXISTS {Quote(SqlBatchLedger.TableName + "_written_at")} ON {Quote(SqlBatchLedger.TableName)} (written_at)";
        try
        {
            create.ExecuteNonQuery();
        }
        catch (SqliteException exception) when (exception.SqliteErrorCode is not SqliteResultCodes.Busy and not SqliteResultCodes.Locked)
        {
            throw SqlBatchLedger.Unavailable(SqlBatchLedger.TableName, SqliteResultCodes.Name(exception.SqliteErrorCode), exception);
        }
    }

    private static TargetWriteResult? Recorded(SqliteConnection connection, SqliteTransaction transaction, string ledgerId, TargetBatch batch)
    {
        using var find = connection.CreateCommand();
        find.Transaction = transaction;
        find.CommandText = $"SELECT records, record_keys, issues FROM {Quote(SqlBatchLedger.TableName)} WHERE batch_id = $id";
        find.Parameters.AddWithValue("$id", ledgerId);
        using var reader = find.ExecuteReader();
        return reader.Read() ? SqlBatchLedger.Recorded(batch, reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)) : null;
    }

    // In the batch's transaction: the ledger holds a batch exactly when its rows are written. A batch written again under the
    // same identity (a retry of its failures) replaces the row: the latest write's result is the one a resume gets.
    private static void Note(SqliteConnection connection, SqliteTransaction transaction, string ledgerId, TargetBatch batch, IReadOnlyList<TargetRecordIssue> issues)
    {
        using var note = connection.CreateCommand();
        note.Transaction = transaction;
        note.CommandText = $"INSERT INTO {Quote(SqlBatchLedger.TableName)} (batch_id, link_id, root_run_id, run_id, batch_number, records, record_keys, issues) " +
                           "VALUES ($id, $link, $root, $run, $number, $records, $keys, $issues) ON CONFLICT (batch_id) DO UPDATE SET run_id = excluded.run_id, " +
                           "batch_number = excluded.batch_number, records = excluded.records, record_keys = excluded.record_keys, issues = excluded.issues, " +
                           "written_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
        note.Parameters.AddWithValue("$id", ledgerId);
        note.Parameters.AddWithValue("$link", batch.LinkId);
        note.Parameters.AddWithValue("$root", batch.RootRunId);
        note.Parameters.AddWithValue("$run", batch.RunId);
        note.Parameters.AddWithValue("$number", batch.BatchNumber);
        note.Parameters.AddWithValue("$records", batch.Records.Count);
        note.Parameters.AddWithValue("$keys", SqlBatchLedger.KeysOf(batch.Records));
        note.Parameters.AddWithValue("$issues", (object?)SqlBatchLedger.IssuesOf(issues) ?? DBNull.Value);
        note.ExecuteNonQuery();
    }

    private bool RowExists(ref SqliteCommand? exists, SqliteConnection connection, SqliteTransaction transaction, Record record)
    {
        if (exists is null)
        {
            exists = connection.CreateCommand();
            exists.Transaction = transaction;
            exists.CommandText = $"SELECT EXISTS (SELECT 1 FROM {Quote(_table)} WHERE {Quote(_key!)} = $key)";
            exists.Parameters.Add(new SqliteParameter("$key", null));
        }
        exists.Parameters[0].Value = ToDb(record[_key!]);
        return Convert.ToInt64(exists.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
    }

    private static void End(SqliteTransaction transaction, bool commit)
    {
        try
        {
            if (commit)
                transaction.Commit();
            else
                transaction.Rollback();
        }
        catch (SqliteException exception)
        {
            // The records were accepted one by one but the commit failed: nothing may be reported as written.
            throw SqlTargetIssues.Inconsistency(commit ? "commit" : "rollback", SqliteResultCodes.Name(exception.SqliteErrorCode), exception);
        }
    }

    private SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string[] columns)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var names = string.Join(", ", columns.Select(Quote));
        var values = string.Join(", ", columns.Select((_, i) => $"$p{i}"));
        var table = Quote(_table);
        var version = _options.VersionColumn is { } v ? Quote(v) : null;
        var updated = columns.Where(c => c != _key).ToArray();
        if (updated.Length == 0)
            updated = [_key!];
        command.CommandText = _mode switch
        {
            SqlWriteMode.Insert => $"INSERT INTO {table} ({names}) VALUES ({values})",
            SqlWriteMode.Upsert => $"INSERT INTO {table} ({names}) VALUES ({values}) ON CONFLICT ({Quote(_key!)}) DO " +
                $"UPDATE SET {string.Join(", ", updated.Select(c => $"{Quote(c)} = excluded.{Quote(c)}"))}" +
                (version is null ? "" : $" WHERE {table}.{version} IS NULL OR {table}.{version} <= excluded.{version}"),
            _ => $"UPDATE {table} SET {string.Join(", ", updated.Select(c => $"{Quote(c)} = $p{Array.IndexOf(columns, c)}"))} " +
                 $"WHERE {Quote(_key!)} = $p{Array.IndexOf(columns, _key)}" +
                 (version is null ? "" : $" AND ({version} IS NULL OR {version} <= $p{Array.IndexOf(columns, _options.VersionColumn)})"),
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
