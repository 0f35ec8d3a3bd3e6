using System.Data;
using System.Data.Common;
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
public sealed partial class PostgresRunStore : RelationalRunStore, IStateStore
{
    // Any fixed number: the lock that serialises migrations of processes starting at once.
    private const long MigrationLock = 0x5245_5359_4E43;
    private readonly NpgsqlDataSource _dataSource;
    private ResyncException? _stopped;

    public PostgresRunStore(string connectionString, TimeProvider? clock = null)
        : base(SqlDialect.Postgres, clock)
    {
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
            NewerSchema.Refuse(applied, scripts, $"The PostgreSQL state store '{Location}'");
            foreach (var (version, sql) in scripts.Where(script => !applied.Contains(script.Version)))
            {
                await connection.ExecuteAsync(sql, transaction: transaction);
                await connection.ExecuteAsync("INSERT INTO schema_migrations (version, applied_at) VALUES (@version, @at)",
                    new { version, at = StoredTime.Text(Clock.GetUtcNow()) }, transaction);
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

    // The sample is the group's first record in run order (DISTINCT ON keeps the first row of each group as ordered).
    private protected override string SelectErrorGroups => """
        SELECT Type, Code, Step, Fields, Count, Error, RecordKey FROM (
            SELECT DISTINCT ON (error_type, error_code, error_step, error_fields)
                   error_type AS Type, error_code AS Code, error_step AS Step, error_fields AS Fields,
                   COUNT(*) OVER (PARTITION BY error_type, error_code, error_step, error_fields) AS Count, error AS Error, record_key AS RecordKey
            FROM record_outcomes
            WHERE run_id = @runId AND outcome = 'Failed' AND error_scope = 'Record'
            ORDER BY error_type, error_code, error_step, error_fields, batch_number, position
        ) groups
        ORDER BY Count DESC, Code
        """;

    public async ValueTask DisposeAsync() => await _dataSource.DisposeAsync();

    internal override async ValueTask<DbConnection> OpenReadAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    internal override Task<T> WriteAsync<T>(Func<RelationalWrite, Task<T>> work, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => work(Write(c, t)), cancellationToken);

    private static RelationalWrite Write(NpgsqlConnection connection, NpgsqlTransaction transaction) => new(connection, transaction, SqlDialect.Postgres, async: true);

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

    private protected override async Task InsertOutcomesAsync(RelationalWrite w, long runId, int batchNumber, OutcomeRow[] outcomes, bool replace)
    {
        if (outcomes.Length == 0)
            return;
        // One statement for the whole batch: arrays unnested into rows.
        var sql = $"""
            INSERT INTO record_outcomes (run_id, batch_number, position, record_key, outcome, error_scope, error_type, error_code,
                error_step, error_fields, error, ignored_by, ignore_reason, warnings, before, after, retriable, durable)
            SELECT @runId, @batchNumber, * FROM UNNEST(@positions, @keys, @outcomes, @scopes, @types, @codes, @steps, @fields, @errors, @ignoredBy,
                @ignoreReasons, @warnings, @befores, @afters, @retriables, @durables)
            ON CONFLICT (run_id, batch_number, position) DO {(replace ? """
                UPDATE SET record_key = excluded.record_key, outcome = excluded.outcome, error_scope = excluded.error_scope,
                    error_type = excluded.error_type, error_code = excluded.error_code, error_step = excluded.error_step, error_fields = excluded.error_fields,
                    error = excluded.error, ignored_by = excluded.ignored_by, ignore_reason = excluded.ignore_reason, warnings = excluded.warnings,
                    before = excluded.before, after = excluded.after, retriable = excluded.retriable, durable = excluded.durable
                """ : "NOTHING")}
            """;
        string?[] Column(Func<OutcomeRow, string?> select) => [.. outcomes.Select(select)];
        await using var command = new NpgsqlCommand(sql, (NpgsqlConnection)w.Connection, (NpgsqlTransaction)w.Transaction);
        command.Parameters.Add(new NpgsqlParameter<long>("runId", runId));
        command.Parameters.Add(new NpgsqlParameter<long>("batchNumber", batchNumber));
        command.Parameters.Add(new NpgsqlParameter<long[]>("positions", [.. outcomes.Select(o => (long)o.Outcome.Position)]));
        command.Parameters.Add(new NpgsqlParameter<long[]>("retriables", [.. outcomes.Select(o => o.Retriable)]));
        command.Parameters.Add(new NpgsqlParameter<long[]>("durables", [.. outcomes.Select(o => o.Durable)]));
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
}
