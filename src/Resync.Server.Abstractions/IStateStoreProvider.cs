using Resync.Core.Storage;

namespace Resync.Server;

/// <summary>
/// A kind of state store a host can open from the one state setting (<c>--state</c>, <c>Resync:State</c>): a SQLite file path,
/// a PostgreSQL connection string. Hosts ask each provider in turn; the stores stay out of the hosts' code.
/// </summary>
public interface IStateStoreProvider
{
    /// <summary>The store's name for people, e.g. <c>PostgreSQL</c>.</summary>
    string Name { get; }

    /// <summary>Whether <paramref name="state"/> names a store of this kind.</summary>
    bool Accepts(string state);

    /// <summary>Where <paramref name="state"/> is, for people and logs: never a password.</summary>
    string Describe(string state);

    /// <summary>Opens the run store and the server store over the same state, not yet initialised.</summary>
    OpenedState Open(string state, TimeProvider clock);

    /// <summary>
    /// The scheduler lease of servers sharing this state, which each holder checks (and a standby tries to take) every
    /// <paramref name="interval"/>; null for a store only one process opens.
    /// </summary>
    ISchedulerLease? OpenSchedulerLease(string state, TimeProvider clock, TimeSpan interval);
}
