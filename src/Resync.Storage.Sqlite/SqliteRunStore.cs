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
public sealed partial class SqliteRunStore : IStateStore
{
    private readonly string _connectionString;
    private readonly string _path;
    private SqliteWriter? _writer;

    private readonly TimeProvider _clock;

    public SqliteRunStore(string path, TimeProvider? clock = null)
    {
        _path = System.IO.Path.GetFullPath(path);
        _clock = clock ?? TimeProvider.System;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = _path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

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
        _writer = new SqliteWriter(connection!);
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<long>> RecoverInterruptedRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var running = (await connection.QueryAsync<(long Id, string Owner)>(
            new CommandDefinition("SELECT id, owner FROM runs WHERE status = 'Running'", cancellationToken: cancellationToken))).ToList();
        var dead = running.Where(run => RunOwner.IsDeadOnThisHost(run.Owner)).Select(run => run.Id).ToList();
        foreach (var runId in dead)
        {
            await Writer.ExecuteAsync((c, t) =>
            {
                // Another process starting at the same time may have recovered it since it was read: it is recovered (and parked) once.
                if (c.ExecuteScalar<string?>("SELECT status FROM runs WHERE id = @runId", new { runId }, t) != nameof(RunStatus.Running))
                    return 0;
                var incomplete = c.ExecuteScalar<long>(
                    "SELECT COALESCE(SUM(read), 0) FROM batches WHERE run_id = @runId AND status = 'Processing'", new { runId }, t);
                c.Execute("UPDATE batches SET status = 'Interrupted', ended_at = @now WHERE run_id = @runId AND status = 'Processing'",
                    new { runId, now = Text(now) }, t);
                RunTransitions.Ensure(RunStatus.Running, RunStatus.Interrupted);
                var error = RunEventMessages.Interrupted(incomplete, now);
                c.Execute("""
                    UPDATE runs SET status = 'Interrupted', ended_at = @now, incomplete = incomplete + @incomplete, system_error = @error
                    WHERE id = @runId AND status = 'Running'
                    """, new { runId, now = Text(now), incomplete, error = StoredJson.Error(error) }, t);
                CarryWatermark(c, t, runId);
                ParkCrashed(c, t, runId, error, now);
                return 0;
            }, cancellationToken);
        }
        return dead;
    }

    /// <summary>
    /// A pull run whose process died moves its link's watermark past the batches that had committed, and keeps how far it had read
    /// for when its chain resolves (<see cref="CrashWatermark"/>): left behind, the next run would read and write them again.
    /// </summary>
    private static void CarryWatermark(SqliteConnection c, SqliteTransaction t, long runId)
    {
        var run = c.QuerySingle<(string LinkId, string Kind, string? Pending, string? Link)>("""
            SELECT r.link_id, r.kind, r.pending_watermark, l.watermark FROM runs r JOIN links l ON l.id = r.link_id WHERE r.id = @runId
            """, new { runId }, t);
        if (!Enum.Parse<RunKind>(run.Kind).IsPull())
            return;
        var batches = c.Query<(long Number, string Status, string? Watermark)>(
            "SELECT number, status, watermark FROM batches WHERE run_id = @runId ORDER BY number", new { runId }, t);
        var marks = batches.Select(b => ((int)b.Number, Enum.Parse<BatchStatus>(b.Status), b.Watermark)).ToList();
        if (CrashWatermark.Read(marks) is { } read && CrashWatermark.Advances(run.Pending, read))
            c.Execute("UPDATE runs SET pending_watermark = @read WHERE id = @runId", new { runId, read }, t);
        if (CrashWatermark.Committed(marks) is { } committed && CrashWatermark.Advances(run.Link, committed))
            c.Execute("UPDATE links SET watermark = @committed WHERE id = @LinkId", new { run.LinkId, committed }, t);
    }

    /// <summary>
    /// A pull run whose process died is given its incomplete run at once, so that one retry finishes it: the batches cut by
    /// the crash (Interrupted: fetched again by cursor) and the pages never read, after the last page the run had started.
    /// (Recovery runs and pushes are not: a push's records died with the process; a recovery run's remainder is its parent's.)
    /// </summary>
    private static void ParkCrashed(SqliteConnection c, SqliteTransaction t, long runId, ResyncError error, DateTimeOffset now)
    {
        var run = c.QuerySingle<(string LinkId, string Tenant, string Kind)>("SELECT link_id, tenant, kind FROM runs WHERE id = @runId", new { runId }, t);
        if (!Enum.Parse<RunKind>(run.Kind).IsPull())
            return;
        var last = c.QuerySingleOrDefault<string?>("SELECT cursor FROM batches WHERE run_id = @runId ORDER BY number DESC LIMIT 1", new { runId }, t);
        if (last is null)
            return;
        Park(c, t, new IncompleteRunView(0, runId, run.LinkId, run.Tenant, IncompleteStatus.Waiting, error, last, 0, null, now, null,
            RunEventMessages.Crashed, 0));
    }

    public Task EnsureLinkAsync(string linkId, string tenant, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync((c, t) => c.Execute(
            "INSERT INTO links (id, tenant) VALUES (@linkId, @tenant) ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant",
            new { linkId, tenant }, t), cancellationToken);

    public Task<long> CreateRunAsync(NewRun run, CancellationToken cancellationToken) =>
        Writer.ExecuteAsync((c, t) =>
        {
            // The document of a version is kept once; the latest copy wins (a server re-encrypts it, with its current credentials).
            if (run.LinkVersion is { } version)
            {
                c.Execute("""
                    INSERT INTO link_versions (link_id, hash, document, first_used_at) VALUES (@LinkId, @Hash, @Document, @StartedAt)
                    ON CONFLICT (link_id, hash) DO UPDATE SET document = excluded.document
                    """, new { run.LinkId, version.Hash, version.Document, StartedAt = Text(run.StartedAt) }, t);
            }
            return c.ExecuteScalar<long>("""
                INSERT INTO runs (link_id, tenant, kind, status, trigger, parent_run_id, request_id, owner, started_at, root_run_id, carries_all, link_version)
                VALUES (@LinkId, @Tenant, @Kind, 'Running', @Trigger, @ParentRunId, @RequestId, @Owner, @StartedAt,
                        (SELECT COALESCE(root_run_id, id) FROM runs WHERE id = @ParentRunId), @CarriesAll, @Version)
                RETURNING id
                """, new { run.LinkId, run.Tenant, Kind = run.Kind.ToString(), run.Trigger, run.ParentRunId, run.RequestId, run.Owner, StartedAt = Text(run.StartedAt),
                    CarriesAll = run.CarriesAllFailures ? 1 : 0, Version = run.LinkVersion?.Hash }, t);
        },
            cancellationToken);

    public Task BatchStartedAsync(long runId, int batchNumber, string? cursor, int recordCount, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        BatchStartedAsync(runId, batchNumber, cursor, recordCount, null, startedAt, cancellationToken);

    public Task BatchStartedAsync(long runId, int batchNumber, string? cursor, int recordCount, string? watermark, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var startedText = Text(startedAt);
        return Writer.ExecuteAsync((c, t) =>
        {
            var inserted = Writer.Prepared("""
                INSERT INTO batches (run_id, number, cursor, status, read, started_at, watermark)
                VALUES ($run, $number, $cursor, 'Processing', $read, $startedAt, $watermark)
                ON CONFLICT (run_id, number) DO NOTHING
                """, t).Bind("$run", runId).Bind("$number", batchNumber).Bind("$cursor", cursor).Bind("$read", recordCount).Bind("$startedAt", startedText)
                .Bind("$watermark", watermark).ExecuteNonQuery();
            // A batch delivered twice (cluster redelivery) is counted once.
            if (inserted == 1)
            {
                Writer.Prepared("UPDATE runs SET read = read + $read, batches_total = batches_total + 1 WHERE id = $run", t)
                    .Bind("$run", runId).Bind("$read", recordCount).ExecuteNonQuery();
            }
            else if (recordCount > 0 && Writer.Prepared("""
                UPDATE batches SET read = $read, watermark = $watermark WHERE run_id = $run AND number = $number AND status = 'Processing' AND read = 0
                """, t).Bind("$run", runId).Bind("$number", batchNumber).Bind("$read", recordCount).Bind("$watermark", watermark).ExecuteNonQuery() == 1)
            {
                // A page noted while it was still coming (with no records) has arrived: its records count now.
                Writer.Prepared("UPDATE runs SET read = read + $read WHERE id = $run", t).Bind("$run", runId).Bind("$read", recordCount).ExecuteNonQuery();
            }
            return inserted;
        }, cancellationToken);
    }

    public Task BatchFinishedAsync(BatchResult result, CancellationToken cancellationToken)
    {
        // Serialised here, on the caller's thread, so that the single writer spends its time writing.
        var error = StoredJson.Error(result.Error);
        var endedAt = Text(result.EndedAt);
        var outcomes = OutcomeRows(result.Outcomes);
        return Writer.ExecuteAsync((c, t) =>
        {
            var current = Writer.Prepared("SELECT status FROM batches WHERE run_id = $run AND number = $number", t)
                .Bind("$run", result.RunId).Bind("$number", result.BatchNumber).ExecuteScalar() as string;
            if (current is not null && Enum.Parse<BatchStatus>(current) != BatchStatus.Processing)
                return 0; // already finished: a repeated delivery changes nothing.
            if (current is not null)
                BatchTransitions.Ensure(BatchStatus.Processing, result.Status);

            Writer.Prepared("""
                INSERT INTO batches (run_id, number, cursor, status, read, succeeded, failed, ignored, warnings, error, started_at, ended_at, watermark)
                VALUES ($run, $number, $cursor, $status, $read, $succeeded, $failed, $ignored, $warnings, $error, $endedAt, $endedAt, $watermark)
                ON CONFLICT (run_id, number) DO UPDATE SET status = excluded.status, succeeded = excluded.succeeded, failed = excluded.failed,
                    ignored = excluded.ignored, warnings = excluded.warnings, error = excluded.error, ended_at = excluded.ended_at,
                    watermark = COALESCE(excluded.watermark, batches.watermark)
                """, t)
                .Bind("$run", result.RunId).Bind("$number", result.BatchNumber).Bind("$cursor", result.Cursor).Bind("$status", result.Status.ToString())
                .Bind("$read", result.Read).Bind("$succeeded", result.Succeeded).Bind("$failed", result.Failed).Bind("$ignored", result.Ignored)
                .Bind("$warnings", result.Warnings).Bind("$error", error).Bind("$endedAt", endedAt).Bind("$watermark", result.Watermark)
                .ExecuteNonQuery();
            var newBatch = current is null ? 1 : 0;
            Writer.Prepared("""
                UPDATE runs SET succeeded = succeeded + $succeeded, failed = failed + $failed, ignored = ignored + $ignored,
                    warnings = warnings + $warnings, batches_failed = batches_failed + $batchFailed, incomplete = incomplete + $incomplete,
                    read = read + $newRead, batches_total = batches_total + $newBatch
                WHERE id = $run
                """, t)
                .Bind("$run", result.RunId).Bind("$succeeded", result.Succeeded).Bind("$failed", result.Failed).Bind("$ignored", result.Ignored)
                .Bind("$warnings", result.Warnings).Bind("$batchFailed", result.Status == BatchStatus.Failed ? 1 : 0)
                .Bind("$newRead", newBatch == 1 ? result.Read : 0).Bind("$newBatch", newBatch)
                .Bind("$incomplete", result.Incomplete)
                .ExecuteNonQuery();
            InsertOutcomes(t, result.RunId, result.BatchNumber, outcomes, replace: true);
            return 1;
        }, cancellationToken);
    }

    public async Task RunFinishedAsync(long runId, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt, CancellationToken cancellationToken)
    {
        RunTransitions.Ensure(RunStatus.Running, status);
        await Writer.ExecuteAsync((c, t) =>
        {
            var updated = c.Execute("""
                UPDATE runs SET status = @status, system_error = COALESCE(@error, system_error), ended_at = @endedAt
                WHERE id = @runId AND status = 'Running'
                """, new { runId, status = status.ToString(), error = StoredJson.Error(systemError), endedAt = Text(endedAt) }, t);
            if (updated != 1)
                throw new InvalidTransitionException("run", "(not Running)", status.ToString());
            if (newWatermark is not null)
                c.Execute("UPDATE links SET watermark = @newWatermark WHERE id = (SELECT link_id FROM runs WHERE id = @runId)", new { runId, newWatermark }, t);
            return updated;
        }, cancellationToken);
    }

    public async Task<string?> GetWatermarkAsync(string linkId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        return await RunReads.GetWatermarkAsync(connection, linkId, cancellationToken);
    }

    public async Task<RunView?> GetRunAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        return await RunReads.GetRunAsync(connection, runId, cancellationToken);
    }

    public async Task<IReadOnlyList<RunView>> ListRunsAsync(RunFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<RunRow>(new CommandDefinition($"""
            {RunStatements.SelectRuns}
            WHERE (@LinkId IS NULL OR link_id = @LinkId) AND (@Tenant IS NULL OR tenant = @Tenant) AND (@Status IS NULL OR status = @Status)
              AND (@Kind IS NULL OR kind = @Kind) AND (@From IS NULL OR started_at >= @From) AND (@Before IS NULL OR started_at < @Before)
            ORDER BY id DESC LIMIT @Limit OFFSET @Offset
            """, new { filter.LinkId, filter.Tenant, Status = filter.Status?.ToString(), Kind = filter.Kind?.ToString(),
                From = filter.StartedFrom is { } from ? Text(from) : null, Before = filter.StartedBefore is { } before ? Text(before) : null, filter.Limit, filter.Offset }, cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToView([]))];
    }

    public async Task<IReadOnlyList<BatchView>> ListBatchesAsync(long runId, int offset, int limit, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        return await RunReads.ListBatchesAsync(connection, runId, offset, limit, cancellationToken);
    }

    public async Task<BatchView?> GetBatchAsync(long runId, int number, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        return await RunReads.GetBatchAsync(connection, runId, number, cancellationToken);
    }

    public async Task<IReadOnlyList<ErrorGroupView>> ListErrorGroupsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        // The sample is the group's first record in run order: with exactly one MIN() aggregate, SQLite takes the bare columns
        // (error, record_key) from that row, so the sample's key and message belong to the same record.
        var rows = await connection.QueryAsync<ErrorGroupRow>(
            new CommandDefinition("""
                SELECT error_type AS Type, error_code AS Code, error_step AS Step, error_fields AS Fields, COUNT(*) AS Count,
                       MIN(batch_number * 1048576 + position) AS FirstPosition, error AS Error, record_key AS RecordKey
                FROM record_outcomes
                WHERE run_id = @runId AND outcome = 'Failed' AND error_scope = 'Record'
                GROUP BY error_type, error_code, error_step, error_fields
                ORDER BY COUNT(*) DESC, error_code
                """, new { runId }, cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToView())];
    }

    public async Task<IReadOnlyList<RecordView>> ListRecordsAsync(long runId, RecordFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        return await RunReads.ListRecordsAsync(connection, runId, filter, InOutcomes, cancellationToken);
    }

    public async Task<int> CountRecordsAsync(long runId, RecordFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        return await RunReads.CountRecordsAsync(connection, runId, filter, InOutcomes, cancellationToken);
    }

    private const string InOutcomes = "outcome IN @Outcomes";

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
            error_step, error_fields, error, ignored_by, ignore_reason, warnings, before, after)
        VALUES ($run, $batch, $position, $key, $outcome, $scope, $type, $code, $step, $fields, $error, $ignoredBy, $ignoreReason, $warnings, $before, $after)
        """;

    private void InsertOutcomes(SqliteTransaction transaction, long runId, int batchNumber, OutcomeRow[] outcomes, bool replace)
    {
        if (outcomes.Length == 0)
            return;
        var command = Writer.Prepared(replace ? ReplaceOutcome : KeepOutcome, transaction);
        command.Bind("$run", runId).Bind("$batch", batchNumber);
        foreach (var row in outcomes)
        {
            var outcome = row.Outcome;
            var error = outcome.Error;
            command.Bind("$position", outcome.Position)
                .Bind("$key", outcome.Key)
                .Bind("$outcome", outcome.Kind.ToString())
                .Bind("$scope", error?.Scope.ToString())
                .Bind("$type", error?.Type.ToString())
                .Bind("$code", error?.Code)
                .Bind("$step", error?.Step)
                .Bind("$fields", error is null || error.Fields.Count == 0 ? null : string.Join(',', error.Fields))
                .Bind("$error", row.Error)
                .Bind("$ignoredBy", outcome.IgnoredBy)
                .Bind("$ignoreReason", outcome.IgnoreReason)
                .Bind("$warnings", row.Warnings)
                .Bind("$before", row.Before)
                .Bind("$after", row.After)
                .ExecuteNonQuery();
        }
    }

    /// <summary>Serialises the kept outcomes' JSON before the write is queued, off the writer's thread.</summary>
    private static OutcomeRow[] OutcomeRows(IReadOnlyList<RecordOutcome> outcomes)
    {
        if (outcomes.Count == 0)
            return [];
        var rows = new OutcomeRow[outcomes.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var outcome = outcomes[i];
            rows[i] = new OutcomeRow(outcome, StoredJson.Error(outcome.Error), StoredJson.Warnings(outcome.Warnings),
                StoredJson.Fields(outcome.Snapshot?.Before), StoredJson.Fields(outcome.Snapshot?.After));
        }
        return rows;
    }

    private readonly record struct OutcomeRow(RecordOutcome Outcome, string? Error, string? Warnings, string? Before, string? After);

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;");
        return connection;
    }

    private void Migrate(SqliteConnection connection)
    {
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
        var applied = connection.Query<long>("SELECT version FROM schema_migrations").ToHashSet();
        foreach (var (version, sql) in SqliteMigrations.All)
        {
            if (applied.Contains(version))
                continue;
            using var transaction = connection.BeginTransaction();
            connection.Execute(sql, transaction: transaction);
            connection.Execute("INSERT INTO schema_migrations (version, applied_at) VALUES (@version, @at)",
                new { version, at = Text(_clock.GetUtcNow()) }, transaction);
            transaction.Commit();
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    internal static string Text(DateTimeOffset value) => StoredTime.Text(value);

    internal static DateTimeOffset Time(string value) => StoredTime.Time(value);
}
