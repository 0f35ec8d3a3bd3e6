using Resync.Server;

namespace Resync.Storage.Postgres;

/// <summary>State in a PostgreSQL database, for a state setting that is a connection string (postgres://… or Host=…).</summary>
public sealed class PostgresStateStoreProvider : IStateStoreProvider
{
    public string Name => "PostgreSQL";

    public bool Accepts(string state) => PostgresConnectionString.IsPostgres(state);

    public string Describe(string state) => PostgresConnectionString.Describe(state);

    public OpenedState Open(string state, TimeProvider clock)
    {
        var runs = new PostgresRunStore(state, clock);
        return new OpenedState(runs, new PostgresServerStore(runs));
    }

    public ISchedulerLease? OpenSchedulerLease(string state, TimeProvider clock, TimeSpan interval) => new PostgresSchedulerLease(state, clock, interval);
}
