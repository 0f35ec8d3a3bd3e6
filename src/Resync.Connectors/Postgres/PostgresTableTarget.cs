using System.Collections.Concurrent;
using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using Resync.Connectors.Retry;
using Resync.Connectors.Sql;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Connectors.Postgres;

/// <summary>
/// Writes records into a PostgreSQL table in bulk, with exact per-record errors. Per batch: the constraints known
/// from the catalog (NOT NULL, varchar length) are checked in C#; the rest go in one
/// <c>INSERT … SELECT … FROM unnest(arrays) [ON CONFLICT (key) DO UPDATE]</c>; a batch the server still rejects
/// (UNIQUE, CHECK, foreign key, a value of the wrong type) is sent to a server-side function that writes each row as if
/// alone, in chunks that find the refused rows, and returns them with SQLSTATE, column and constraint (see
/// docs/connectors-sql.md for why this is the fastest exact strategy). Safe for parallel batches: each takes its
/// own pooled connection.
/// </summary>
public sealed class PostgresTableTarget : ITransactionalTarget
{
    private readonly CallPipeline _retry = new(CallRetry.None, PostgresExceptionClassifier.Policy);
    private readonly DbDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly SqlTableName _table;
    private readonly SqlWriteMode _mode;
    private readonly string? _key;
    private readonly SqlTargetOptions _options;
    // Kept only where a batch is one transaction (transactional: true): see SqlBatchLedger.
    private readonly SqlTableName? _ledger;
    private readonly SemaphoreSlim _shapeLock = new(1, 1);
    private readonly ConcurrentDictionary<string, PostgresStatements> _statements = new(StringComparer.Ordinal);
    // The table's shape, read again at the first write of each run: a schema fixed between a run and its retry (a wider
    // column, a dropped constraint) must be seen by the retry, even in a long-lived server.
    private volatile ShapeOfRun? _shape;

    // How often recent batches held records the server refused (0 to 4): at 2 or more, batches skip the bulk attempt that
    // would fail anyway and go straight to the per-row function; the function's results keep the count honest.
    private int _refusals;

    /// <summary>
    /// <paramref name="connectionString"/> with the pool's reset on close turned off, for this target's data source: a
    /// session keeps the fallback function it compiled in its temporary schema, instead of dropping it (DISCARD ALL) when
    /// the connection goes back to the pool and creating it again for the next batch that needs it. Created once per batch,
    /// it wrote the system catalogs each time and the server slowed run after run (1% refused by a CHECK: 73 %, 65 %, then
    /// 35 % of the rate of a known column limit; 82–122 % kept). The target leaves no other state in a session. A string
    /// Npgsql cannot read is returned as it is, to be refused where it is opened.
    /// </summary>
    public static string KeepingSessions(string connectionString)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString;
        }
        catch (ArgumentException)
        {
            return connectionString;
        }
    }

    /// <param name="dataSource">Where to connect (pooled).</param>
    /// <param name="table">The table, optionally schema-qualified.</param>
    /// <param name="mode">Insert, upsert or update.</param>
    /// <param name="key">The column records are matched by (upsert and update; a unique key).</param>
    /// <param name="options">Transactional writes and stale protection.</param>
    /// <param name="ownsDataSource">Dispose <paramref name="dataSource"/> with the target.</param>
    public PostgresTableTarget(DbDataSource dataSource, string table, SqlWriteMode mode, string? key, SqlTargetOptions? options = null, bool ownsDataSource = false)
    {
        _options = options ?? SqlTargetOptions.Default;
        if (mode != SqlWriteMode.Insert && string.IsNullOrEmpty(key))
            throw new ArgumentException($"mode {mode.ToString().ToLowerInvariant()} needs 'key' (the column records are matched by)");
        if (_options.VersionColumn is not null && mode == SqlWriteMode.Insert)
            throw new ArgumentException("'versionColumn' needs mode upsert or update (insert never overwrites a row)");
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _table = SqlTableName.Parse(table, allowSchema: true);
        _mode = mode;
        _key = key;
        _ledger = _options is { BatchLedger: true, Transactional: true } ? _table with { Table = SqlBatchLedger.TableName } : null;
    }

    public bool IsTransactional => _options.Transactional;

    /// <summary>How a batch's write is made again after an ephemeral failure (the link's <c>settings.retry</c>). The default is none.</summary>
    public CallRetry Retry { get => _retry.Retry; init => _retry = new CallPipeline(value, PostgresExceptionClassifier.Policy); }

    // A batch is written again only when its failed try left nothing behind. Transactional: the batch is one transaction,
    // which the server undid (an error before the commit, or a connection lost before it); a failed commit leaves the
    // outcome unknown and is an Inconsistency, never retried. Otherwise: see the group loop of WriteOnceAsync.
    public Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync((attempt, token) => new ValueTask<TargetWriteResult>(WriteOnceAsync(batch, attempt, token)), cancellationToken);

    private async Task<TargetWriteResult> WriteOnceAsync(TargetBatch batch, CallAttempt attempt, CancellationToken cancellationToken)
    {
        var records = batch.Records;
        await using var connection = (NpgsqlConnection)await _dataSource.OpenConnectionAsync(cancellationToken);
        var shape = _shape is { } current && current.RunId == batch.RunId ? current.Shape : await ReadShapeAsync(connection, batch.RunId, cancellationToken);
        var ledgerId = _ledger is null ? null : SqlBatchLedger.IdOf(batch);
        // One look-up, only when the batch may have been written before: a first attempt never pays for it.
        if (ledgerId is not null && batch.MayBeWritten && await RecordedAsync(connection, ledgerId, batch, cancellationToken) is { } recorded)
            return recorded;

        // 1. The constraints known up front, checked here: such records never reach the server.
        var issues = new List<TargetRecordIssue>();
        var groups = new Dictionary<string, Group>(StringComparer.Ordinal);
        PostgresColumn[]? lastColumns = null;
        Group? lastGroup = null;
        // Records of the schema of the record before have its columns: neither they nor their values are looked up by name again.
        FieldSchema? knownSchema = null;
        ColumnValues? known = null;
        for (var index = 0; index < records.Count; index++)
        {
            var record = records[index];
            if (known is null || record.Fields.Schema is not { } schema || !ReferenceEquals(schema, knownSchema))
            {
                var columns = shape.ColumnsOf(record, known?.Columns);
                if (!ReferenceEquals(columns, known?.Columns))
                    known = new ColumnValues(columns);
                knownSchema = record.Fields.Schema;
            }
            var present = known!;
            var problem = _options.VersionColumn is { } version && record[version] is null
                ? SqlTargetIssues.VersionMissing(version)
                : shape.Check(record, present, insertsRows: _mode != SqlWriteMode.Update);
            if (problem is not null)
            {
                issues.Add(new TargetRecordIssue(index, problem));
                continue;
            }
            // Records with the same fields as the one before go to its group without building their signature.
            if (!ReferenceEquals(present.Columns, lastColumns) || lastGroup is null)
            {
                lastColumns = present.Columns;
                lastGroup = GroupOf(groups, lastColumns, records.Count);
            }
            lastGroup.Indexes.Add(index);
        }
        if (_options.Transactional && issues.Count > 0)
            return new TargetWriteResult(SqlTargetIssues.RollBack(records, issues));

        // 2. The bulk write; 3. the per-row function for a group the server rejects (or straight away while most batches are rejected).
        var rowByRow = Volatile.Read(ref _refusals) >= 2;
        var refused = false;
        if (_options.Transactional)
            refused = await WriteTransactionallyAsync(connection, batch, ledgerId, groups.Values, issues, rowByRow, cancellationToken);
        else
        {
            var committed = false;
            try
            {
                foreach (var group in groups.Values)
                {
                    if (rowByRow)
                        refused |= await WriteRowByRowAsync(connection, null, records, group, issues, cancellationToken);
                    else
                    {
                        try
                        {
                            await WriteBulkAsync(connection, null, records, group, issues, cancellationToken);
                        }
                        catch (PostgresException exception) when (IsAboutRecords(exception.SqlState))
                        {
                            refused |= await WriteRowByRowAsync(connection, null, records, group, issues, cancellationToken);
                        }
                    }
                    committed = true;
                }
            }
            catch (Exception exception) when (committed || exception is not PostgresException)
            {
                // Each statement commits on its own: once one has, or one broke off without the server's answer (it may have
                // committed), writing the batch again could write rows twice. A statement the server refused was undone whole.
                attempt.Committed();
                throw;
            }
        }
        Volatile.Write(ref _refusals, refused ? Math.Min(_refusals + 1, 4) : Math.Max(_refusals - 1, 0));
        if (issues.Count == 0)
            return TargetWriteResult.AllWritten;
        issues.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        return new TargetWriteResult(issues);
    }

    // (Its own method: a lambda capturing the columns in the loop above would allocate a closure for every record.)
    private Group GroupOf(Dictionary<string, Group> groups, PostgresColumn[] columns, int records)
    {
        var signature = string.Join('\u001f', columns.Select(column => column.Name));
        // The first group gets room for the whole batch (nearly always its only one): its list of indexes never grows.
        if (!groups.TryGetValue(signature, out var group))
            groups[signature] = group = new Group(_statements.GetOrAdd(signature, _ => new PostgresStatements(_table, columns, _mode, _key, _options.VersionColumn)),
                groups.Count == 0 ? records : 0);
        return group;
    }

    public async ValueTask DisposeAsync()
    {
        _shapeLock.Dispose();
        if (_ownsDataSource)
            await _dataSource.DisposeAsync();
    }

    // Returns true when the server refused some records (the batch was rolled back).
    private async Task<bool> WriteTransactionallyAsync(NpgsqlConnection connection, TargetBatch batch, string? ledgerId, IEnumerable<Group> groups, List<TargetRecordIssue> issues,
        bool rowByRow, CancellationToken cancellationToken)
    {
        var records = batch.Records;
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var refused = false;
            foreach (var group in groups)
            {
                if (rowByRow)
                    refused |= await WriteRowByRowAsync(connection, transaction, records, group, issues, cancellationToken);
                else
                    await WriteBulkAsync(connection, transaction, records, group, issues, cancellationToken);
            }
            if (refused)
            {
                await EndAsync(transaction, commit: false, cancellationToken);
                Replace(issues, SqlTargetIssues.RollBack(records, issues));
                return true;
            }
            if (ledgerId is not null)
                await NoteAsync(connection, transaction, ledgerId, batch, issues, cancellationToken);
        }
        catch (PostgresException exception) when (IsAboutRecords(exception.SqlState))
        {
            await EndAsync(transaction, commit: false, cancellationToken);

            // Find the culprits row by row in a transaction that is rolled back too, then report the whole batch as not written.
            issues.Clear();
            var diagnosis = await connection.BeginTransactionAsync(cancellationToken);
            foreach (var group in groups)
                await WriteRowByRowAsync(connection, diagnosis, records, group, issues, cancellationToken);
            await EndAsync(diagnosis, commit: false, cancellationToken);
            if (!issues.Any(issue => issue.Error is not null))
                throw;
            Replace(issues, SqlTargetIssues.RollBack(records, issues));
            return true;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
        await EndAsync(transaction, commit: true, cancellationToken);
        return false;
    }

    private async Task<TargetWriteResult?> RecordedAsync(NpgsqlConnection connection, string ledgerId, TargetBatch batch, CancellationToken cancellationToken)
    {
        await using var find = new NpgsqlCommand($"SELECT records, record_keys, issues FROM {_ledger!.Quoted} WHERE batch_id = $1", connection);
        find.Parameters.Add(new NpgsqlParameter { Value = ledgerId });
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? SqlBatchLedger.Recorded(batch, reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : null;
    }

    // In the batch's transaction: the ledger holds a batch exactly when its rows are committed. A batch written again under the
    // same identity (a retry of its failures) replaces the row: the latest write's result is the one a resume gets.
    private async Task NoteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string ledgerId, TargetBatch batch, List<TargetRecordIssue> issues,
        CancellationToken cancellationToken)
    {
        await using var note = new NpgsqlCommand(
            $"INSERT INTO {_ledger!.Quoted} (batch_id, link_id, root_run_id, run_id, batch_number, records, record_keys, issues) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) " +
            "ON CONFLICT (batch_id) DO UPDATE SET run_id = excluded.run_id, batch_number = excluded.batch_number, records = excluded.records, " +
            "record_keys = excluded.record_keys, issues = excluded.issues, written_at = now()", connection, transaction);
        var parameters = note.Parameters;
        parameters.Add(new NpgsqlParameter { Value = ledgerId });
        parameters.Add(new NpgsqlParameter { Value = batch.LinkId });
        parameters.Add(new NpgsqlParameter { Value = batch.RootRunId });
        parameters.Add(new NpgsqlParameter { Value = batch.RunId });
        parameters.Add(new NpgsqlParameter { Value = batch.BatchNumber });
        parameters.Add(new NpgsqlParameter { Value = batch.Records.Count });
        parameters.Add(new NpgsqlParameter { Value = SqlBatchLedger.KeysOf(batch.Records) });
        parameters.Add(new NpgsqlParameter { Value = (object?)SqlBatchLedger.IssuesOf([.. issues.OrderBy(issue => issue.Index)]) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await note.ExecuteNonQueryAsync(cancellationToken);
    }

    // Created beside the table on first use (looked for first: creating needs a right that reading and writing do not).
    private async Task CreateLedgerAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var ledger = _ledger!;
        await using (var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = ledger.Quoted });
            if (await exists.ExecuteScalarAsync(cancellationToken) is true)
                return;
        }
        await using var create = new NpgsqlCommand(
            $"CREATE TABLE IF NOT EXISTS {ledger.Quoted} (batch_id text PRIMARY KEY, link_id text NOT NULL, root_run_id bigint NOT NULL, run_id bigint NOT NULL, " +
            "batch_number integer NOT NULL, records integer NOT NULL, record_keys text NOT NULL, issues text, written_at timestamptz NOT NULL DEFAULT now()); " +
            $"CREATE INDEX IF NOT EXISTS {SqlTableName.Quote(SqlBatchLedger.TableName + "_written_at")} ON {ledger.Quoted} (written_at)", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.UniqueViolation)
        {
            // Another process created it at the same moment.
        }
        catch (PostgresException exception) when (!exception.IsTransient)
        {
            throw SqlBatchLedger.Unavailable(ledger.ToString(), exception.SqlState, exception);
        }
    }

    private static void Replace(List<TargetRecordIssue> issues, List<TargetRecordIssue> with)
    {
        issues.Clear();
        issues.AddRange(with);
    }

    private async Task WriteBulkAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<Record> records, Group group,
        List<TargetRecordIssue> issues, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(group.Statements.BulkSql, connection, transaction);
        PostgresColumnArrays.Add(command.Parameters, group.Statements.Columns, records, group.Indexes, typed: true);
        if (!group.Statements.DetectsSkipped)
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            issues.Add(Skipped(records, group.Indexes[reader.GetInt32(0) - 1], reader.GetBoolean(1)));
    }

    // Returns true when the server refused some records.
    private async Task<bool> WriteRowByRowAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<Record> records, Group group,
        List<TargetRecordIssue> issues, CancellationToken cancellationToken)
    {
        var refused = false;
        var shape = _shape!.Shape;
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(group.Statements.CreateFunctionSql));
        var call = new NpgsqlBatchCommand(group.Statements.CallFunctionSql);
        PostgresColumnArrays.Add(call.Parameters, group.Statements.Columns, records, group.Indexes, typed: false);
        batch.BatchCommands.Add(call);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var index = group.Indexes[reader.GetInt32(0) - 1];
            if (reader.IsDBNull(1))
            {
                issues.Add(Skipped(records, index, reader.GetBoolean(5)));
                continue;
            }
            issues.Add(new TargetRecordIssue(index, shape.Explain(reader.GetString(1), reader.GetString(2), NullIfEmpty(reader, 3), NullIfEmpty(reader, 4))));
            refused = true;
        }
        return refused;
    }

    private TargetRecordIssue Skipped(IReadOnlyList<Record> records, int index, bool rowExists) =>
        rowExists && _options.VersionColumn is { } version
            ? new TargetRecordIssue(index, null, SqlTargetIssues.StaleReason(version, records[index][version]))
            : new TargetRecordIssue(index, SqlTargetIssues.NotFound(_table.ToString(), _key!, records[index][_key!]));

    private static async Task EndAsync(NpgsqlTransaction transaction, bool commit, CancellationToken cancellationToken)
    {
        try
        {
            if (commit)
                await transaction.CommitAsync(cancellationToken);
            else
                await transaction.RollbackAsync(cancellationToken);
        }
        catch (PostgresException exception) when (commit && exception.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected)
        {
            // The server refused the commit (serializable writes lose to a concurrent one here): it rolled the transaction
            // back whole, so the outcome is known and the batch may be written again.
            throw;
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
        {
            throw SqlTargetIssues.Inconsistency(commit ? "commit" : "rollback", (exception as PostgresException)?.SqlState ?? ErrorCodes.TransactionFailed, exception);
        }
        finally
        {
            await transaction.DisposeAsync();
        }
    }

    // Errors that belong to some rows of the batch (data, integrity, a key twice in one batch, a trigger's RAISE):
    // the per-row function finds which. Anything else fails the batch, or the run.
    private static bool IsAboutRecords(string sqlState) =>
        sqlState.StartsWith("22", StringComparison.Ordinal) || sqlState.StartsWith("23", StringComparison.Ordinal)
        || sqlState == PostgresErrorCodes.CardinalityViolation || sqlState == PostgresErrorCodes.RaiseException;

    private static string? NullIfEmpty(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) || reader.GetString(ordinal).Length == 0 ? null : reader.GetString(ordinal);

    private async Task<PostgresTableShape> ReadShapeAsync(NpgsqlConnection connection, long runId, CancellationToken cancellationToken)
    {
        await _shapeLock.WaitAsync(cancellationToken);
        try
        {
            if (_shape is { } known && known.RunId == runId)
                return known.Shape;
            var shape = await PostgresTableShape.ReadAsync(connection, _table, cancellationToken);
            foreach (var (option, column) in new[] { ("key", _key), ("versionColumn", _options.VersionColumn) })
            {
                if (column is not null && shape.Find(column) is null)
                    throw SqlTargetIssues.ColumnNotFound(option, column, _table.ToString(), shape.Columns.Select(c => c.Name));
            }
            if (_mode == SqlWriteMode.Upsert && !shape.UniqueKeys.Any(columns => columns is [var only] && only == _key))
                throw SqlTargetIssues.KeyNotUnique(_key!, _table.ToString());
            if (_ledger is not null)
                await CreateLedgerAsync(connection, cancellationToken);
            _shape = new ShapeOfRun(runId, shape);
            return shape;
        }
        finally
        {
            _shapeLock.Release();
        }
    }

    private sealed class Group(PostgresStatements statements, int capacity)
    {
        public PostgresStatements Statements { get; } = statements;

        public List<int> Indexes { get; } = new(capacity);
    }

    private sealed record ShapeOfRun(long RunId, PostgresTableShape Shape);
}
