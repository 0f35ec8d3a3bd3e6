using System.Data;
using System.Globalization;
using Dapper;
using Npgsql;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Storage.Relational;

namespace Resync.Storage.Postgres;

/// <summary>
/// All run state in a PostgreSQL database that several processes share (cluster mode): numbered migrations applied under an
/// advisory lock, each write one transaction that locks the rows it decides on, so that workers finishing batches of one run
/// at the same time, or a batch delivered twice, count everything once.
/// </summary>
public sealed partial class PostgresRunStore : IStateStore
{
    // Any fixed number: the lock that serialises migrations of processes starting at once.
    private const long MigrationLock = 0x5245_5359_4E43;
    private readonly TimeProvider _clock;
    private readonly NpgsqlDataSource _dataSource;
    private ResyncException? _stopped;

    public PostgresRunStore(string connectionString, TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        _dataSource = NpgsqlDataSource.Create(PostgresConnectionString.Normalize(connectionString));
        Location = PostgresConnectionString.Describe(connectionString);
    }

    public string Location { get; }

    public async Task<string?> WriteProblemAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _stopped) is { } stopped)
            return stopped.Message;
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            var (inRecovery, readOnly) = await connection.QuerySingleAsync<(bool, string)>(new CommandDefinition(
                "SELECT pg_is_in_recovery(), current_setting('transaction_read_only')", cancellationToken: cancellationToken));
            return inRecovery || readOnly == "on"
                ? $"The PostgreSQL state store '{Location}' is read-only (a standby, or default_transaction_read_only): runs cannot be recorded."
                : null;
        }
        catch (Exception exception) when (exception is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return $"The PostgreSQL state store '{Location}' cannot be reached: {exception.Message}";
        }
    }

    internal NpgsqlDataSource DataSource => _dataSource;

    public Task InitializeAsync(CancellationToken cancellationToken) => MigrateAsync(PostgresMigrations.Runs, cancellationToken);

    /// <summary>Applies the scripts not yet applied, in order, one transaction each, under an advisory lock.</summary>
    internal async Task MigrateAsync(IReadOnlyList<(int Version, string Sql)> scripts, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@MigrationLock)", new { MigrationLock }, transaction);
            await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)", transaction: transaction);
            var applied = (await connection.QueryAsync<long>("SELECT version FROM schema_migrations", transaction: transaction)).ToHashSet();
            foreach (var (version, sql) in scripts.Where(script => !applied.Contains(script.Version)))
            {
                await connection.ExecuteAsync(sql, transaction: transaction);
                await connection.ExecuteAsync("INSERT INTO schema_migrations (version, applied_at) VALUES (@version, @at)",
                    new { version, at = Text(_clock.GetUtcNow()) }, transaction);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            var classification = ErrorClassifier.Default.Classify(exception);
            throw new ResyncException(classification with
            {
                Message = $"The PostgreSQL state store '{Location}' cannot be used: {exception.Message}",
                Hint = "Check that the server is running and reachable, and the database, user and password in --state (Resync:State).",
            }, exception);
        }
    }

    public async Task<IReadOnlyList<long>> RecoverInterruptedRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        IReadOnlyList<(long Id, string Owner)> running;
        await using (var connection = await _dataSource.OpenConnectionAsync(cancellationToken))
        {
            running = [.. await connection.QueryAsync<(long Id, string Owner)>(
                new CommandDefinition("SELECT id, owner FROM runs WHERE status = 'Running'", cancellationToken: cancellationToken))];
        }
        var dead = running.Where(run => RunOwner.IsDeadOnThisHost(run.Owner)).Select(run => run.Id).ToList();
        foreach (var runId in dead)
        {
            await WriteAsync(async (c, t) =>
            {
                if (await c.ExecuteScalarAsync<string?>("SELECT status FROM runs WHERE id = @runId FOR UPDATE", new { runId }, t) != nameof(RunStatus.Running))
                    return 0;
                var incomplete = await c.ExecuteScalarAsync<long>(
                    "SELECT COALESCE(SUM(read), 0)::bigint FROM batches WHERE run_id = @runId AND status = 'Processing'", new { runId }, t);
                await c.ExecuteAsync("UPDATE batches SET status = 'Interrupted', ended_at = @now WHERE run_id = @runId AND status = 'Processing'",
                    new { runId, now = Text(now) }, t);
                RunTransitions.Ensure(RunStatus.Running, RunStatus.Interrupted);
                var error = RunEventMessages.Interrupted(incomplete, now);
                await c.ExecuteAsync("""
                    UPDATE runs SET status = 'Interrupted', ended_at = @now, incomplete = incomplete + @incomplete, system_error = @error
                    WHERE id = @runId AND status = 'Running'
                    """, new { runId, now = Text(now), incomplete, error = StoredJson.Error(error) }, t);
                await CarryWatermarkAsync(c, t, runId);
                await ParkCrashedAsync(c, t, runId, error, now);
                return 0;
            }, cancellationToken);
        }
        return dead;
    }

    /// <summary>
    /// A pull run whose process died moves its link's watermark past the batches that had committed, and keeps how far it had read
    /// for when its chain resolves (<see cref="CrashWatermark"/>): left behind, the next run would read and write them again.
    /// </summary>
    private static async Task CarryWatermarkAsync(NpgsqlConnection c, NpgsqlTransaction t, long runId)
    {
        var run = await c.QuerySingleAsync<(string LinkId, string Kind, string? Pending, string? Link)>("""
            SELECT r.link_id, r.kind, r.pending_watermark, l.watermark FROM runs r JOIN links l ON l.id = r.link_id WHERE r.id = @runId FOR UPDATE OF l
            """, new { runId }, t);
        if (!Enum.Parse<RunKind>(run.Kind).IsPull())
            return;
        var batches = await c.QueryAsync<(long Number, string Status, string? Watermark)>(
            "SELECT number, status, watermark FROM batches WHERE run_id = @runId ORDER BY number", new { runId }, t);
        var marks = batches.Select(b => ((int)b.Number, Enum.Parse<BatchStatus>(b.Status), b.Watermark)).ToList();
        if (CrashWatermark.Read(marks) is { } read && CrashWatermark.Advances(run.Pending, read))
            await c.ExecuteAsync("UPDATE runs SET pending_watermark = @read WHERE id = @runId", new { runId, read }, t);
        if (CrashWatermark.Committed(marks) is { } committed && CrashWatermark.Advances(run.Link, committed))
            await c.ExecuteAsync("UPDATE links SET watermark = @committed WHERE id = @LinkId", new { run.LinkId, committed }, t);
    }

    /// <summary>
    /// A pull run whose process died is given its incomplete run at once, so that one retry finishes it: the batches cut by
    /// the crash (Interrupted: fetched again by cursor) and the pages never read, after the last page the run had started.
    /// </summary>
    private static async Task ParkCrashedAsync(NpgsqlConnection c, NpgsqlTransaction t, long runId, ResyncError error, DateTimeOffset now)
    {
        var run = await c.QuerySingleAsync<(string LinkId, string Tenant, string Kind)>("SELECT link_id, tenant, kind FROM runs WHERE id = @runId", new { runId }, t);
        if (!Enum.Parse<RunKind>(run.Kind).IsPull())
            return;
        var last = await c.QuerySingleOrDefaultAsync<string?>("SELECT cursor FROM batches WHERE run_id = @runId ORDER BY number DESC LIMIT 1", new { runId }, t);
        if (last is null)
            return;
        await ParkAsync(c, t, new IncompleteRunView(0, runId, run.LinkId, run.Tenant, IncompleteStatus.Waiting, error, last, 0, null, now, null,
            RunEventMessages.Crashed, 0));
    }

    public Task EnsureLinkAsync(string linkId, string tenant, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(
            "INSERT INTO links (id, tenant) VALUES (@linkId, @tenant) ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant",
            new { linkId, tenant }, t), cancellationToken);

    public Task<long> CreateRunAsync(NewRun run, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            // The document of a version is kept once; the latest copy wins (a server re-encrypts it, with its current credentials).
            if (run.LinkVersion is { } version)
            {
                await c.ExecuteAsync("""
                    INSERT INTO link_versions (link_id, hash, document, first_used_at) VALUES (@LinkId, @Hash, @Document, @StartedAt)
                    ON CONFLICT (link_id, hash) DO UPDATE SET document = excluded.document
                    """, new { run.LinkId, version.Hash, version.Document, StartedAt = Text(run.StartedAt) }, t);
            }
            return await c.ExecuteScalarAsync<long>("""
                INSERT INTO runs (link_id, tenant, kind, status, trigger, parent_run_id, request_id, owner, started_at, root_run_id, carries_all, link_version)
                VALUES (@LinkId, @Tenant, @Kind, 'Running', @Trigger, @ParentRunId, @RequestId, @Owner, @StartedAt,
                        (SELECT COALESCE(root_run_id, id) FROM runs WHERE id = @ParentRunId), @CarriesAll, @Version)
                RETURNING id
                """, new { run.LinkId, run.Tenant, Kind = run.Kind.ToString(), run.Trigger, run.ParentRunId, run.RequestId, run.Owner, StartedAt = Text(run.StartedAt),
                    CarriesAll = run.CarriesAllFailures ? 1L : 0L, Version = run.LinkVersion?.Hash }, t);
        },
            cancellationToken);

    public Task BatchStartedAsync(long runId, int batchNumber, string? cursor, int recordCount, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        BatchStartedAsync(runId, batchNumber, cursor, recordCount, null, startedAt, cancellationToken);

    public Task BatchStartedAsync(long runId, int batchNumber, string? cursor, int recordCount, string? watermark, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            var inserted = await c.ExecuteAsync("""
                INSERT INTO batches (run_id, number, cursor, status, read, started_at, watermark)
                VALUES (@runId, @batchNumber, @cursor, 'Processing', @recordCount, @startedAt, @watermark)
                ON CONFLICT (run_id, number) DO NOTHING
                """, new { runId, batchNumber = (long)batchNumber, cursor, recordCount = (long)recordCount, startedAt = Text(startedAt), watermark }, t);
            // A batch delivered twice (cluster redelivery) is counted once.
            if (inserted == 1)
            {
                await c.ExecuteAsync("UPDATE runs SET read = read + @recordCount, batches_total = batches_total + 1 WHERE id = @runId",
                    new { runId, recordCount = (long)recordCount }, t);
            }
            else if (recordCount > 0 && await c.ExecuteAsync(
                "UPDATE batches SET read = @recordCount, watermark = @watermark WHERE run_id = @runId AND number = @batchNumber AND status = 'Processing' AND read = 0",
                new { runId, batchNumber = (long)batchNumber, recordCount = (long)recordCount, watermark }, t) == 1)
            {
                // A page noted while it was still coming (with no records) has arrived: its records count now.
                await c.ExecuteAsync("UPDATE runs SET read = read + @recordCount WHERE id = @runId", new { runId, recordCount = (long)recordCount }, t);
            }
            return inserted;
        }, cancellationToken);

    public Task BatchFinishedAsync(BatchResult result, CancellationToken cancellationToken)
    {
        var error = StoredJson.Error(result.Error);
        var endedAt = Text(result.EndedAt);
        var outcomes = OutcomeRows(result.Outcomes);
        return WriteAsync(async (c, t) =>
        {
            // The row lock makes two deliveries of one batch finishing at once take turns: the second sees it finished.
            var current = await c.ExecuteScalarAsync<string?>("SELECT status FROM batches WHERE run_id = @RunId AND number = @Number FOR UPDATE",
                new { result.RunId, Number = (long)result.BatchNumber }, t);
            if (current is not null && Enum.Parse<BatchStatus>(current) != BatchStatus.Processing)
                return 0; // already finished: a repeated delivery changes nothing.
            if (current is not null)
                BatchTransitions.Ensure(BatchStatus.Processing, result.Status);

            await c.ExecuteAsync("""
                INSERT INTO batches (run_id, number, cursor, status, read, succeeded, failed, ignored, warnings, error, started_at, ended_at, watermark)
                VALUES (@RunId, @Number, @Cursor, @Status, @Read, @Succeeded, @Failed, @Ignored, @Warnings, @error, @endedAt, @endedAt, @Watermark)
                ON CONFLICT (run_id, number) DO UPDATE SET status = excluded.status, succeeded = excluded.succeeded, failed = excluded.failed,
                    ignored = excluded.ignored, warnings = excluded.warnings, error = excluded.error, ended_at = excluded.ended_at,
                    watermark = COALESCE(excluded.watermark, batches.watermark)
                """, new
            {
                result.RunId, Number = (long)result.BatchNumber, result.Cursor, Status = result.Status.ToString(), Read = (long)result.Read,
                Succeeded = (long)result.Succeeded, Failed = (long)result.Failed, Ignored = (long)result.Ignored, Warnings = (long)result.Warnings, error, endedAt,
                result.Watermark,
            }, t);
            var newBatch = current is null;
            await c.ExecuteAsync("""
                UPDATE runs SET succeeded = succeeded + @Succeeded, failed = failed + @Failed, ignored = ignored + @Ignored,
                    warnings = warnings + @Warnings, batches_failed = batches_failed + @BatchFailed, incomplete = incomplete + @Incomplete,
                    read = read + @NewRead, batches_total = batches_total + @NewBatch
                WHERE id = @RunId
                """, new
            {
                result.RunId, Succeeded = (long)result.Succeeded, Failed = (long)result.Failed, Ignored = (long)result.Ignored, Warnings = (long)result.Warnings,
                BatchFailed = result.Status == BatchStatus.Failed ? 1L : 0L, Incomplete = (long)result.Incomplete,
                NewRead = newBatch ? (long)result.Read : 0L, NewBatch = newBatch ? 1L : 0L,
            }, t);
            await InsertOutcomesAsync(c, t, result.RunId, result.BatchNumber, outcomes, replace: true);
            return 1;
        }, cancellationToken);
    }

    public async Task RunFinishedAsync(long runId, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt, CancellationToken cancellationToken)
    {
        RunTransitions.Ensure(RunStatus.Running, status);
        await WriteAsync(async (c, t) =>
        {
            var updated = await c.ExecuteAsync("""
                UPDATE runs SET status = @status, system_error = COALESCE(@error, system_error), ended_at = @endedAt
                WHERE id = @runId AND status = 'Running'
                """, new { runId, status = status.ToString(), error = StoredJson.Error(systemError), endedAt = Text(endedAt) }, t);
            if (updated != 1)
                throw new InvalidTransitionException("run", "(not Running)", status.ToString());
            if (newWatermark is not null)
                await c.ExecuteAsync("UPDATE links SET watermark = @newWatermark WHERE id = (SELECT link_id FROM runs WHERE id = @runId)", new { runId, newWatermark }, t);
            return updated;
        }, cancellationToken);
    }

    public async Task<string?> GetWatermarkAsync(string linkId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await RunReads.GetWatermarkAsync(connection, linkId, cancellationToken);
    }

    public async Task<RunView?> GetRunAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await RunReads.GetRunAsync(connection, runId, cancellationToken);
    }

    public async Task<IReadOnlyList<RunView>> ListRunsAsync(RunFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<RunRow>(new CommandDefinition($"""
            {RunStatements.SelectRuns}
            WHERE (@LinkId::text IS NULL OR link_id = @LinkId) AND (@Tenant::text IS NULL OR tenant = @Tenant) AND (@Status::text IS NULL OR status = @Status)
              AND (@Kind::text IS NULL OR kind = @Kind) AND (@From::text IS NULL OR started_at >= @From) AND (@Before::text IS NULL OR started_at < @Before)
            ORDER BY id DESC LIMIT @Limit OFFSET @Offset
            """, new { filter.LinkId, filter.Tenant, Status = filter.Status?.ToString(), Kind = filter.Kind?.ToString(),
                From = filter.StartedFrom is { } from ? Text(from) : null, Before = filter.StartedBefore is { } before ? Text(before) : null, Limit = (long)filter.Limit, Offset = (long)filter.Offset },
            cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToView([]))];
    }

    public async Task<IReadOnlyList<BatchView>> ListBatchesAsync(long runId, int offset, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await RunReads.ListBatchesAsync(connection, runId, offset, limit, cancellationToken);
    }

    public async Task<BatchView?> GetBatchAsync(long runId, int number, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await RunReads.GetBatchAsync(connection, runId, number, cancellationToken);
    }

    public async Task<IReadOnlyList<ErrorGroupView>> ListErrorGroupsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        // The sample is the group's first record in run order (DISTINCT ON keeps the first row of each group as ordered).
        var rows = await connection.QueryAsync<ErrorGroupRow>(
            new CommandDefinition("""
                SELECT Type, Code, Step, Fields, Count, Error, RecordKey FROM (
                    SELECT DISTINCT ON (error_type, error_code, error_step, error_fields)
                           error_type AS Type, error_code AS Code, error_step AS Step, error_fields AS Fields,
                           COUNT(*) OVER (PARTITION BY error_type, error_code, error_step, error_fields) AS Count, error AS Error, record_key AS RecordKey
                    FROM record_outcomes
                    WHERE run_id = @runId AND outcome = 'Failed' AND error_scope = 'Record'
                    ORDER BY error_type, error_code, error_step, error_fields, batch_number, position
                ) groups
                ORDER BY Count DESC, Code
                """, new { runId }, cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToView())];
    }

    public async Task<IReadOnlyList<RecordView>> ListRecordsAsync(long runId, RecordFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await RunReads.ListRecordsAsync(connection, runId, filter, InOutcomes, cancellationToken);
    }

    public async Task<int> CountRecordsAsync(long runId, RecordFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await RunReads.CountRecordsAsync(connection, runId, filter, InOutcomes, cancellationToken);
    }

    private const string InOutcomes = "outcome = ANY(@Outcomes)";

    public async ValueTask DisposeAsync() => await _dataSource.DisposeAsync();

    /// <summary>Runs one write in its own transaction, committed before the task completes.</summary>
    /// <remarks>When the database's disk fails a write (full, read-only, an I/O error), the store writes nothing more (<see cref="StateStoreStopped"/>).</remarks>
    internal async Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _stopped) is { } stopped)
            throw stopped;
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        catch (PostgresException exception) when (DiskProblem(exception.SqlState) is { } problem)
        {
            Interlocked.CompareExchange(ref _stopped, StateStoreStopped.Exception(
                ErrorClassifier.Default.ClassifySqlState(exception.SqlState, exception.MessageText, null, null), Location, problem, exception), null);
            throw Volatile.Read(ref _stopped)!;
        }
    }

    private static StateDiskProblem? DiskProblem(string sqlState) => sqlState switch
    {
        PostgresErrorCodes.DiskFull => StateDiskProblem.Full,
        PostgresErrorCodes.ReadOnlySqlTransaction => StateDiskProblem.ReadOnly,
        PostgresErrorCodes.IoError => StateDiskProblem.IoError,
        _ => null,
    };

    private static async Task InsertOutcomesAsync(NpgsqlConnection c, NpgsqlTransaction t, long runId, int batchNumber, OutcomeRow[] outcomes, bool replace)
    {
        if (outcomes.Length == 0)
            return;
        // One statement for the whole batch: arrays unnested into rows.
        var sql = $"""
            INSERT INTO record_outcomes (run_id, batch_number, position, record_key, outcome, error_scope, error_type, error_code,
                error_step, error_fields, error, ignored_by, ignore_reason, warnings, before, after)
            SELECT @runId, @batchNumber, * FROM UNNEST(@positions, @keys, @outcomes, @scopes, @types, @codes, @steps, @fields, @errors, @ignoredBy,
                @ignoreReasons, @warnings, @befores, @afters)
            ON CONFLICT (run_id, batch_number, position) DO {(replace ? """
                UPDATE SET record_key = excluded.record_key, outcome = excluded.outcome, error_scope = excluded.error_scope,
                    error_type = excluded.error_type, error_code = excluded.error_code, error_step = excluded.error_step, error_fields = excluded.error_fields,
                    error = excluded.error, ignored_by = excluded.ignored_by, ignore_reason = excluded.ignore_reason, warnings = excluded.warnings,
                    before = excluded.before, after = excluded.after
                """ : "NOTHING")}
            """;
        string?[] Column(Func<OutcomeRow, string?> select) => [.. outcomes.Select(select)];
        await using var command = new NpgsqlCommand(sql, c, t);
        command.Parameters.Add(new NpgsqlParameter<long>("runId", runId));
        command.Parameters.Add(new NpgsqlParameter<long>("batchNumber", batchNumber));
        command.Parameters.Add(new NpgsqlParameter<long[]>("positions", [.. outcomes.Select(o => (long)o.Outcome.Position)]));
        foreach (var (name, values) in new (string, string?[])[]
        {
            ("keys", Column(o => o.Outcome.Key)),
            ("outcomes", Column(o => o.Outcome.Kind.ToString())),
            ("scopes", Column(o => o.Outcome.Error?.Scope.ToString())),
            ("types", Column(o => o.Outcome.Error?.Type.ToString())),
            ("codes", Column(o => o.Outcome.Error?.Code)),
            ("steps", Column(o => o.Outcome.Error?.Step)),
            ("fields", Column(o => o.Outcome.Error is { Fields.Count: > 0 } error ? string.Join(',', error.Fields) : null)),
            ("errors", Column(o => o.Error)),
            ("ignoredBy", Column(o => o.Outcome.IgnoredBy)),
            ("ignoreReasons", Column(o => o.Outcome.IgnoreReason)),
            ("warnings", Column(o => o.Warnings)),
            ("befores", Column(o => o.Before)),
            ("afters", Column(o => o.After)),
        })
            command.Parameters.Add(new NpgsqlParameter(name, NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = values });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Serialises the kept outcomes' JSON before the write's transaction opens.</summary>
    private static OutcomeRow[] OutcomeRows(IReadOnlyList<RecordOutcome> outcomes) =>
        [.. outcomes.Select(outcome => new OutcomeRow(outcome, StoredJson.Error(outcome.Error), StoredJson.Warnings(outcome.Warnings),
            StoredJson.Fields(outcome.Snapshot?.Before), StoredJson.Fields(outcome.Snapshot?.After)))];

    private readonly record struct OutcomeRow(RecordOutcome Outcome, string? Error, string? Warnings, string? Before, string? After);

    internal static string Text(DateTimeOffset value) => StoredTime.Text(value);

    internal static DateTimeOffset Time(string value) => StoredTime.Time(value);

    internal static DateTimeOffset? OptionalTime(string? value) => StoredTime.OptionalTime(value);
}
