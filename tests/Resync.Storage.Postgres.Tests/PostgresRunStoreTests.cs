using Resync.Core.Errors;
using Resync.Core.Runs;
using Resync.Storage.Compliance;

namespace Resync.Storage.Postgres.Tests;

/// <summary>The compliance suites on a real PostgreSQL database (a schema per test), plus what is particular to PostgreSQL.</summary>
public sealed class PostgresRunStoreTests(PostgresStateDatabase database) : StateStoreCompliance<PostgresRunStore>, IClassFixture<PostgresStateDatabase>
{
    private string? _connectionString;

    protected override async Task<PostgresRunStore> CreateStoreAsync()
    {
        _connectionString = await database.FreshStateAsync();
        return new PostgresRunStore(_connectionString);
    }

    protected override async Task<PostgresRunStore> ReopenWithoutRetryAnswersAsync()
    {
        // The schema as it was before migration 4 (the index goes with its columns).
        var reopened = await SecondStoreAfterAsync("ALTER TABLE record_outcomes DROP COLUMN retriable, DROP COLUMN durable; DELETE FROM schema_migrations WHERE version = 4");
        await reopened.InitializeAsync(CancellationToken.None);
        return reopened;
    }

    protected override async Task<PostgresRunStore> SecondStoreAfterAsync(string sql)
    {
        await Store.DisposeAsync();
        await using (var connection = new Npgsql.NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            await using var change = new Npgsql.NpgsqlCommand(sql, connection);
            await change.ExecuteNonQueryAsync();
        }
        return new PostgresRunStore(_connectionString!);
    }

    [Fact]
    public async Task Initialize_AgainAndFromAnotherProcessAtOnce_AppliesMigrationsOnce_AndKeepsState()
    {
        var runId = await StartRunAsync();
        await Store.RunFinishedAsync(runId, RunStatus.Succeeded, null, "w1", T0, CancellationToken.None);

        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresRunStore(_connectionString!)).ToList();
        await Task.WhenAll(stores.Select(store => Task.Run(() => store.InitializeAsync(CancellationToken.None))));

        foreach (var store in stores)
        {
            (await store.GetWatermarkAsync(Name("orders"), CancellationToken.None)).ShouldBe("w1");
            await store.DisposeAsync();
        }
        var schema = new Npgsql.NpgsqlConnectionStringBuilder(_connectionString).SearchPath;
        var rows = await database.Database.QueryAsync($"SELECT COUNT(*), COUNT(DISTINCT version) FROM \"{schema}\".schema_migrations");
        rows.ShouldHaveSingleItem().ShouldBe(new object?[] { (long)PostgresMigrations.Runs.Count, (long)PostgresMigrations.Runs.Count });
    }

    [Fact]
    public async Task Initialize_WhenTheServerDoesNotAnswer_ThrowsNamingTheDatabaseWithoutItsPassword()
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(_connectionString) { Port = 1, Password = "s3cret-password", Timeout = 5 };
        await using var store = new PostgresRunStore(builder.ToString());

        var exception = await Should.ThrowAsync<ResyncException>(() => store.InitializeAsync(CancellationToken.None));

        exception.Message.ShouldContain("127.0.0.1:1");
        exception.Message.ShouldNotContain("s3cret-password");
        exception.Classification.Hint.ShouldNotBeNull().ShouldContain("--state");
    }

    [Fact]
    public async Task DiskFull_ABatchStart_FailsAndEveryLaterWriteIsRefused_NamingTheDatabase()
    {
        var runId = await StartRunAsync();
        // The server's answer when its disk is full (SQLSTATE 53100), from the third batch on.
        await using (var connection = new Npgsql.NpgsqlConnection(_connectionString))
        {
            await connection.OpenAsync();
            await using var full = new Npgsql.NpgsqlCommand("""
                CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.number >= 3 THEN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = '53100'; END IF;
                  RETURN NEW;
                END $$;
                CREATE TRIGGER disk_full BEFORE INSERT ON batches FOR EACH ROW EXECUTE FUNCTION disk_full();
                """, connection);
            await full.ExecuteNonQueryAsync();
        }
        await Store.BatchStartedAsync(runId, 1, "c1", 10, T0, CancellationToken.None);
        await Store.BatchStartedAsync(runId, 2, "c2", 10, T0, CancellationToken.None);

        var stopped = await Should.ThrowAsync<ResyncException>(() => Store.BatchStartedAsync(runId, 3, "c3", 10, T0, CancellationToken.None));

        stopped.Classification.Code.ShouldBe("53100");
        stopped.Message.ShouldContain(Store.Location);
        stopped.Message.ShouldContain("No space left on device");
        stopped.Classification.Hint.ShouldNotBeNull().ShouldContain("The disk is full: free space");
        (await Should.ThrowAsync<ResyncException>(() => Store.RunFinishedAsync(runId, RunStatus.Failed, null, null, T0, CancellationToken.None)))
            .ShouldBeSameAs(stopped, "a write after the failure, even one that would go through, is refused: nothing is written after a gap");
        (await Store.WriteProblemAsync(CancellationToken.None)).ShouldBe(stopped.Message);
        (await Store.ListBatchesAsync(runId, 0, 100, CancellationToken.None)).Select(b => b.Number).ShouldBe([1, 2]);
        (await Store.GetRunAsync(runId, CancellationToken.None))!.Status.ShouldBe(RunStatus.Running, "left as at its last commit, for crash recovery");
    }
}
