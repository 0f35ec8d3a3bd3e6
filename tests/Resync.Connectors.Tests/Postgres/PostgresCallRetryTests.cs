using Npgsql;
using Record = Resync.Core.Records.Record;

namespace Resync.Connectors.Tests.Postgres;

/// <summary>
/// A PostgreSQL target's write or source's read that loses to another transaction (a real serialization failure, a lock
/// not available) is made again by the call retry of <c>settings.retry</c>, its delays moved by a manual clock.
/// </summary>
public sealed class PostgresCallRetryTests(PostgresDatabaseFixture fixture) : IClassFixture<PostgresDatabaseFixture>
{
    private readonly ManualTimeProvider _retryClock = new();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SerializationFailure_ThroughTheEngine_IsRetried_AndEachRecordIsWrittenAndCountedOnce(bool transactional)
    {
        var table = await CreateTableAsync();
        // Serializable writes: a row another transaction changed after the write's snapshot fails it with 40001.
        await using var target = Target(table, "-c default_transaction_isolation=serializable", attempts: 3, transactional);
        await using var engine = await EngineRun.StartAsync();
        await using var holder = await fixture.Database.DataSource.OpenConnectionAsync();
        await using var other = await holder.BeginTransactionAsync();
        await Execute(holder, other, $"UPDATE {table} SET name = 'other writer' WHERE id = 1");

        var run = engine.RunAsync(new ListSource([Records(5)]), target, EngineRun.Settings(batchSize: 5) with { Parallelism = 1 });
        await Eventually.TrueAsync(() => WaitingForALockAsync(), "the target's write to wait for the other writer's row");
        await other.CommitAsync();
        await Eventually.TrueAsync(() => _retryClock.PendingTimers == 1 || run.IsCompleted, "the retry's delay after the serialization failure");
        if (run.IsCompleted)
            (await run).Batches.ShouldHaveSingleItem().Error.ShouldBeNull("the write was to wait for its retry");
        _retryClock.Advance(CallRetry.DefaultMaxDelay);
        var (result, batches) = await run.WaitAsync(Patience.Limit);

        result.Status.ShouldBe(RunStatus.Succeeded);
        (result.Counts.Read, result.Counts.Succeeded, result.Counts.Failed).ShouldBe((5L, 5L, 0L));
        batches.ShouldHaveSingleItem().Error.ShouldBeNull();
        (await fixture.Database.QueryAsync($"SELECT id, name FROM {table} ORDER BY id")).Select(row => ((long)row[0]!, (string)row[1]!))
            .ShouldBe([.. Enumerable.Range(1, 5).Select(i => ((long)i, $"Name {i}"))]);
    }

    [Fact]
    public async Task LockNotAvailable_UntilTheAttemptsAreUsedUp_FailsTheBatch_WithItsAttempts()
    {
        var table = await CreateTableAsync();
        await using var target = Target(table, "-c lock_timeout=100", attempts: 2);
        await using var engine = await EngineRun.StartAsync();
        await using var holder = await fixture.Database.DataSource.OpenConnectionAsync();
        await using var other = await holder.BeginTransactionAsync();
        await Execute(holder, other, $"LOCK TABLE {table} IN EXCLUSIVE MODE");

        var run = engine.RunAsync(new ListSource([Records(3)]), target, EngineRun.Settings(batchSize: 3) with { Parallelism = 1 });
        await Eventually.TrueAsync(() => _retryClock.PendingTimers == 1, "the retry's delay after the first lock timeout");
        _retryClock.Advance(CallRetry.DefaultMaxDelay);
        var (result, batches) = await run.WaitAsync(Patience.Limit);

        result.Counts.Succeeded.ShouldBe(0);
        var error = batches.ShouldHaveSingleItem().Error.ShouldNotBeNull();
        (error.Code, error.Attempt, error.Durability).ShouldBe(("55P03", 2, Durability.Ephemeral));
        error.Message.ShouldEndWith("(after 2 attempts)");
    }

    [Fact]
    public async Task LockNotAvailable_WithOneAttempt_FailsAtOnce()
    {
        var table = await CreateTableAsync();
        await using var target = Target(table, "-c lock_timeout=100", attempts: 1);
        await using var holder = await fixture.Database.DataSource.OpenConnectionAsync();
        await using var other = await holder.BeginTransactionAsync();
        await Execute(holder, other, $"LOCK TABLE {table} IN EXCLUSIVE MODE");

        var failure = await Should.ThrowAsync<PostgresException>(() => target.WriteAsync(new TargetBatch("l", 1, 1, Records(2)), CancellationToken.None));

        failure.SqlState.ShouldBe("55P03");
        _retryClock.PendingTimers.ShouldBe(0);
    }

    [Fact]
    public async Task NonTransactionalBatch_FailingAfterAStatementCommitted_IsNotWrittenAgain()
    {
        var table = await CreateTableAsync();
        await fixture.Database.ExecuteAsync($"ALTER TABLE {table} ADD COLUMN note text");
        await using var target = Target(table, "-c lock_timeout=100", attempts: 3);
        await using var holder = await fixture.Database.DataSource.OpenConnectionAsync();
        await using var other = await holder.BeginTransactionAsync();
        await Execute(holder, other, $"UPDATE {table} SET name = 'other writer' WHERE id = 1");
        // Two groups of columns, so two statements: the first (row 5) commits, the second waits for row 1 and gives up.
        Record[] records =
        [
            new("5", new Dictionary<string, object?> { ["id"] = 5L, ["name"] = "Name 5" }),
            new("1", new Dictionary<string, object?> { ["id"] = 1L, ["name"] = "Name 1", ["note"] = "changed" }),
        ];

        var failure = await Should.ThrowAsync<PostgresException>(() => target.WriteAsync(new TargetBatch("l", 1, 1, records), CancellationToken.None));

        failure.SqlState.ShouldBe("55P03");
        _retryClock.PendingTimers.ShouldBe(0, "a batch of which a statement committed is not written again");
        (await fixture.Database.QueryAsync($"SELECT name FROM {table} WHERE id = 5")).ShouldHaveSingleItem()[0].ShouldBe("Name 5");
    }

    [Fact]
    public async Task SourcePageBehindAnotherTransactionsLock_IsReadAgain_OnceTheLockIsGone()
    {
        var table = await CreateTableAsync();
        await using var dataSource = DataSource("-c lock_timeout=100");
        await using var source = SqlTableSource.Postgres(dataSource, table, "id", retry: new CallRetry { Attempts = 3, Clock = _retryClock });
        await using var holder = await fixture.Database.DataSource.OpenConnectionAsync();
        await using var other = await holder.BeginTransactionAsync();
        await Execute(holder, other, $"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE");

        var read = SourceReading.ReadAllAsync(source, new SourceContext("l", 1, null, 10, _retryClock));
        await Eventually.TrueAsync(() => _retryClock.PendingTimers == 1 || read.IsCompleted, "the retry's delay after the lock timeout");
        await other.RollbackAsync();
        _retryClock.Advance(CallRetry.DefaultMaxDelay);

        (await read.WaitAsync(Patience.Limit)).ShouldHaveSingleItem().Records.Select(record => record.Key).ShouldBe(["1"]);
    }

    private NpgsqlDataSource DataSource(string options) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(fixture.Database.ConnectionString) { Options = options }.ToString());

    private PostgresTableTarget Target(string table, string options, int attempts, bool transactional = false) =>
        new(DataSource(options), table, SqlWriteMode.Upsert, "id", new SqlTargetOptions { Transactional = transactional }, ownsDataSource: true)
        {
            Retry = new CallRetry { Attempts = attempts, Clock = _retryClock },
        };

    private async Task<string> CreateTableAsync()
    {
        var table = "retried_" + Guid.NewGuid().ToString("N")[..8];
        await fixture.Database.ExecuteAsync($"CREATE TABLE {table} (id bigint PRIMARY KEY, name text NOT NULL); INSERT INTO {table} VALUES (1, 'before')");
        return table;
    }

    private async Task<bool> WaitingForALockAsync() =>
        (long)(await fixture.Database.QueryAsync(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))[0][0]! > 0;

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    private static Record[] Records(int count) =>
        [.. Enumerable.Range(1, count).Select(i => new Record(i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new Dictionary<string, object?> { ["id"] = (long)i, ["name"] = $"Name {i}" }))];
}
