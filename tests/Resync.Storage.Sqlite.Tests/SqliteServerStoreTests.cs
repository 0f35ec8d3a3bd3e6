using Microsoft.Data.Sqlite;
using Resync.Server;
using Resync.Storage.Compliance;

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
}
