using System.Data.Common;
using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Storage.Relational;

namespace Resync.Storage.Sqlite;

/// <summary>
/// All run state in one SQLite file: WAL journal, full-sync commits, numbered migrations. Writes go
/// through one group-committing writer; reads open their own connections (WAL lets them run alongside).
/// </summary>
public sealed partial class SqliteRunStore : RelationalRunStore, IStateStore
{
    private readonly string _connectionString;
    private readonly string _path;
    private SqliteWriter? _writer;

    public SqliteRunStore(string path, TimeProvider? clock = null)
        : base(SqlDialect.Sqlite, clock)
    {
        _path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = _path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    /// <summary>How long a held write (<see cref="IRunStore.BatchStartedHeldAsync"/>) may wait for others before it is committed unasked (null: the writer's default).</summary>
    internal TimeSpan? MaxHold { get; init; }

    /// <summary>The state file's full path.</summary>
    public string FilePath => _path;

    public string Location => _path;

    public Task<string?> WriteProblemAsync(CancellationToken cancellationToken)
    {
        if (_writer?.Stopped is { } stopped)
            return Task.FromResult<string?>(stopped.Message);
        try
        {
            if (!File.Exists(_path))
                return Task.FromResult<string?>($"The state file {_path} is gone.");
            // The mode is checked as such: a process running as root writes through a read-only mode, yet such a file was made read-only on purpose.
            var readOnly = OperatingSystem.IsWindows()
                ? File.GetAttributes(_path).HasFlag(FileAttributes.ReadOnly)
                : (File.GetUnixFileMode(_path) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0;
            if (readOnly)
                return Task.FromResult<string?>($"The state file {_path} is read-only: runs cannot be recorded. Make it writable again.");
            using (new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
            {
            }
            return Task.FromResult<string?>(null);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult<string?>($"The state file {_path} cannot be written: {exception.Message}");
        }
    }

    internal SqliteWriter Writer => _writer ?? throw new InvalidOperationException("Call InitializeAsync before using the store.");

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (_writer is not null)
            return Task.CompletedTask;
        var directory = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
        SqliteConnection? connection = null;
        try
        {
            // Opening runs the connection pragmas, which already read the file's header: it belongs inside the try.
            connection = Open();
            Execute(connection, "PRAGMA journal_mode = WAL;");
            Migrate(connection);
        }
        catch (ResyncException)
        {
            connection?.Dispose(); // a newer Resync's file (NewerSchema)
            throw;
        }
        catch (SqliteException exception)
        {
            connection?.Dispose();
            var classification = ErrorClassifier.Default.ClassifySqlite(exception.SqliteErrorCode, exception.SqliteExtendedErrorCode, exception.Message);
            throw new ResyncException(classification with
            {
                Message = $"The state file '{_path}' cannot be used: {exception.Message}",
                Hint = exception.SqliteErrorCode == SqliteResultCodes.NotADatabase
                    ? "The file is not a SQLite database: choose another path with --db, or move the file away."
                    : classification.Hint,
            }, exception);
        }
        _writer = new SqliteWriter(connection!, MaxHold);
        return Task.CompletedTask;
    }

    // The sample is the group's first record in run order: with exactly one MIN() aggregate, SQLite takes the bare columns
    // (error, record_key) from that row, so the sample's key and message belong to the same record.
    private protected override string SelectErrorGroups => """
        SELECT error_type AS Type, error_code AS Code, error_step AS Step, error_fields AS Fields, COUNT(*) AS Count,
               MIN(batch_number * 1048576 + position) AS FirstPosition, error AS Error, record_key AS RecordKey
        FROM record_outcomes
        WHERE run_id = @runId AND outcome = 'Failed' AND error_scope = 'Record'
        GROUP BY error_type, error_code, error_step, error_fields
        ORDER BY COUNT(*) DESC, error_code
        """;

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
            await _writer.DisposeAsync();
        _writer = null;
    }

    private const string ReplaceOutcome = "INSERT OR REPLACE " + OutcomeInsert;

    /// <summary>Keeps a record's first outcome: used where a later write must not replace what a run recorded.</summary>
    private const string KeepOutcome = "INSERT OR IGNORE " + OutcomeInsert;

    private const string OutcomeInsert = """
        INTO record_outcomes (run_id, batch_number, position, record_key, outcome, error_scope, error_type, error_code,
            error_step, error_fields, error, ignored_by, ignore_reason, warnings, before, after, retriable, durable)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """;

    private protected override Task InsertOutcomesAsync(RelationalWrite w, long runId, int batchNumber, OutcomeRow[] outcomes, bool replace)
    {
        if (outcomes.Length == 0)
            return Task.CompletedTask;
        var statement = Writer.Statement(replace ? ReplaceOutcome : KeepOutcome);
        foreach (var row in outcomes)
        {
            var outcome = row.Outcome;
            var error = outcome.Error;
            statement.Bind(runId).Bind(batchNumber).Bind(outcome.Position).Bind(outcome.Key).Bind(outcome.Kind.ToString())
                .Bind(error?.Scope.ToString()).Bind(error?.Type.ToString()).Bind(error?.Code).Bind(error?.Step)
                .Bind(error is null || error.Fields.Count == 0 ? null : string.Join(',', error.Fields))
                .Bind(row.Error).Bind(outcome.IgnoredBy).Bind(outcome.IgnoreReason).Bind(row.Warnings).Bind(row.Before).Bind(row.After)
                .Bind(row.Retriable).Bind(row.Durable)
                .Execute();
        }
        return Task.CompletedTask;
    }

    // Opening a SQLite file does not wait on anything: it completes at once. A reader needs none of the writer's pragmas
    // (synchronous and foreign keys apply to writes), and running them on every read cost three statements' parse each: its
    // busy timeout is set through the API instead.
    internal override ValueTask<DbConnection> OpenReadAsync(CancellationToken cancellationToken)
    {
        var connection = Connect();
        SQLitePCL.raw.sqlite3_busy_timeout(connection.Handle, BusyTimeoutMilliseconds);
        return new(connection);
    }

    internal override Task<T> WriteAsync<T>(Func<RelationalWrite, Task<T>> work, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync((c, t) => RelationalWrite.Synchronously(work(Write(c, t))), cancellationToken);

    // A run's batch starts and results wait for each other's commit: one fsync for several batches instead of one or two each.
    internal override Task<T> WriteHeldAsync<T>(Func<RelationalWrite, Task<T>> work, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync((c, t) => RelationalWrite.Synchronously(work(Write(c, t))), cancellationToken, held: true);

    public override void CommitHeldWrites() => _writer?.CommitHeld();

    public override void CommitHeldWritesWhenIdle() => _writer?.CommitHeldWhenIdle();

    private RelationalWrite Write(SqliteConnection connection, SqliteTransaction transaction) =>
        new(connection, transaction, SqlDialect.Sqlite, async: false, prepared: sql => Writer.Prepared(sql, transaction));

    private const int BusyTimeoutMilliseconds = 10_000;

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private SqliteConnection Open()
    {
        var connection = Connect();
        // temp_store = MEMORY was tried here (when every write had its savepoint, each commit made a statement journal in a
        // temporary file) and reverted after one CI run of StateDiskTests' disk-full test wrote more records twice than it
        // allows; the cause was not shown. Commits no longer make that file (SqliteWriter.TryCommitTogether).
        Execute(connection, $"PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BusyTimeoutMilliseconds};");
        return connection;
    }

    private void Migrate(SqliteConnection connection)
    {
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
        var applied = connection.Query<long>("SELECT version FROM schema_migrations").ToHashSet();
        NewerSchema.Refuse(applied, SqliteMigrations.All, $"The state file '{_path}'");
        foreach (var (version, sql) in SqliteMigrations.All)
        {
            if (applied.Contains(version))
                continue;
            // Immediate: another process starting at the same time (the CLI beside a server) waits for it, then sees it applied.
            using var transaction = connection.BeginTransaction();
            if (connection.ExecuteScalar<long>("SELECT COUNT(*) FROM schema_migrations WHERE version = @version", new { version }, transaction) > 0)
                continue;
            connection.Execute(sql, transaction: transaction);
            connection.Execute("INSERT INTO schema_migrations (version, applied_at) VALUES (@version, @at)",
                new { version, at = StoredTime.Text(Clock.GetUtcNow()) }, transaction);
            transaction.Commit();
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
