using Resync.Server;

namespace Resync.Storage.Sqlite;

/// <summary>The embedded default: state in one SQLite file; any state setting that no other store claims is a file path.</summary>
public sealed class SqliteStateStoreProvider : IStateStoreProvider
{
    public string Name => "SQLite";

    public bool Accepts(string state) => !string.IsNullOrWhiteSpace(state);

    public string Describe(string state) => Path.GetFullPath(state);

    public OpenedState Open(string state, TimeProvider clock)
    {
        var runs = new SqliteRunStore(state, clock);
        return new OpenedState(runs, new SqliteServerStore(runs, clock));
    }

    /// <summary>None: one server owns a state file, so its scheduler is always the one.</summary>
    public ISchedulerLease? OpenSchedulerLease(string state, TimeProvider clock, TimeSpan interval) => null;
}
