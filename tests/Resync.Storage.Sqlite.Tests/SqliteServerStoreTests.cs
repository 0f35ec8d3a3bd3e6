using Microsoft.Data.Sqlite;
using Resync.Server;
using Resync.Storage.Compliance;
using Shouldly;
using Xunit;

namespace Resync.Storage.Sqlite.Tests;

/// <summary>The server store's compliance suite on a real SQLite file (one per test).</summary>
public sealed class SqliteServerStoreTests : ServerStoreCompliance
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "resync-tests", Guid.NewGuid().ToString("N"));

    protected override Task<OpenedState> CreateStateAsync() =>
        Task.FromResult(new SqliteStateStoreProvider().Open(Path.Combine(_folder, "state.db"), TimeProvider.System));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Store_MigratedByANewerResync_IsRefusedAsItStarts_NamingTheServerSchemaVersion()
    {
        var path = Path.Combine(_folder, "newer.db");
        await using (var runs = new SqliteRunStore(path))
        {
            await new SqliteServerStore(runs).InitializeAsync(CancellationToken.None);
            await runs.Writer.ExecuteAsync((c, t) =>
            {
                // As a newer Resync leaves it: a server script this one does not know, applied.
                using var command = c.CreateCommand();
                command.Transaction = t;
                command.CommandText = "INSERT INTO schema_migrations (version, applied_at) VALUES (999, '2030-01-01T00:00:00.0000000Z')";
                return command.ExecuteNonQuery();
            }, CancellationToken.None);
        }

        await using var older = new SqliteRunStore(path);
        var refused = await Should.ThrowAsync<Resync.Core.Errors.ResyncException>(() => new SqliteServerStore(older).InitializeAsync(CancellationToken.None));

        refused.Classification.Code.ShouldBe(Resync.Core.Errors.ErrorCodes.StateSchemaNewer);
        refused.Message.ShouldBe($"The state file '{path}' was migrated by a newer Resync: it holds server schema version 999, and this Resync knows versions up to {SqliteServerMigrations.All.Max(s => s.Version)}.");
    }
}
