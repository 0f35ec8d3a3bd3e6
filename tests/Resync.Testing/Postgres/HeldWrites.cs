using System.Globalization;
using Npgsql;

namespace Resync.Testing.Postgres;

/// <summary>
/// Holds every write to a table open until released: a BEFORE trigger makes each written row wait for an advisory lock this
/// holder owns, so a test can act while a process's target transaction is under way (lock the state, kill the process once
/// the write has committed).
/// </summary>
public sealed class HeldWrites : IAsyncDisposable
{
    private readonly NpgsqlConnection _holder;
    private readonly string _connectionString;
    private readonly long _key;
    private bool _held = true;

    private HeldWrites(NpgsqlConnection holder, string connectionString, long key)
    {
        _holder = holder;
        _connectionString = connectionString;
        _key = key;
    }

    /// <summary>Adds the waiting trigger to <paramref name="table"/> (where <paramref name="connectionString"/> points) and holds its writes.</summary>
    /// <param name="key">The advisory lock: unique among the tests that may run at once on the server.</param>
    public static async Task<HeldWrites> HoldAsync(string connectionString, string table, long key)
    {
        var holder = new NpgsqlConnection(connectionString);
        await holder.OpenAsync();
        await ExecuteAsync(holder, $"""
            CREATE FUNCTION hold_write() RETURNS trigger AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared({key}); RETURN NEW; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER {table}_held BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION hold_write();
            SELECT pg_advisory_lock({key});
            """);
        return new HeldWrites(holder, connectionString, key);
    }

    /// <summary>Returns once a write waits for the lock (a process's transaction is open on the table).</summary>
    public Task WaitingAsync() =>
        UntilAsync(async () => await ScalarAsync(_connectionString, $"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = {_key} AND NOT granted") > 0);

    /// <summary>Lets the waiting writes (and every later one) go on.</summary>
    public async Task ReleaseAsync()
    {
        if (!_held)
            return;
        _held = false;
        await ExecuteAsync(_holder, $"SELECT pg_advisory_unlock({_key})");
    }

    /// <summary>The single value <paramref name="sql"/> answers, as a whole number.</summary>
    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Waits for work in another process to reach a state; <see cref="Patience.Limit"/> is a safety net against a hang, never what a
    /// test measures.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition)
    {
        using var limit = new CancellationTokenSource(Patience.Limit);
        while (!await condition())
            await Task.Delay(20, limit.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await ReleaseAsync();
        await _holder.DisposeAsync();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
