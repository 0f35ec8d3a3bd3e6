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
}
