using Resync.Storage.Postgres;
using Resync.Storage.Sqlite;

namespace Resync.Server;

/// <summary>
/// Chooses the state store from the one state setting (<c>--state</c>, <c>Resync:State</c>): the first store that claims it,
/// the embedded SQLite file last. The only place hosts name a store.
/// </summary>
public static class StateStores
{
    private static readonly IStateStoreProvider[] Providers = [new PostgresStateStoreProvider(), new SqliteStateStoreProvider()];

    /// <summary>The store <paramref name="state"/> names.</summary>
    public static IStateStoreProvider For(string state) =>
        Providers.FirstOrDefault(provider => provider.Accepts(state))
            ?? throw new ArgumentException("The state setting is empty: give a SQLite file path or a PostgreSQL connection string.", nameof(state));

    /// <summary>Whether <paramref name="state"/> is a file path (the embedded store) rather than a database server's address.</summary>
    public static bool IsFile(string state) => For(state) is SqliteStateStoreProvider;

    /// <summary>Where <paramref name="state"/> is, for people and logs: never a password.</summary>
    public static string Describe(string state) => For(state).Describe(state);

    /// <summary>Opens the run store and the server store <paramref name="state"/> names (initialise the server store before use).</summary>
    public static OpenedState Open(string state, TimeProvider clock) => For(state).Open(state, clock);

    /// <summary>The scheduler lease of the servers sharing <paramref name="state"/>, or null when only one process opens it.</summary>
    public static ISchedulerLease? OpenSchedulerLease(string state, TimeProvider clock, TimeSpan interval) => For(state).OpenSchedulerLease(state, clock, interval);
}
