using Npgsql;
using Resync.Server;

namespace Resync.Storage.Postgres;

/// <summary>
/// The scheduler lease as a PostgreSQL session advisory lock, held on a connection of its own: the database releases it the
/// moment the holder's session ends (its process killed, its machine gone once TCP keepalives give up on it), and a standby
/// takes it at its next try, at most <c>interval</c> later, and schedules one more <c>interval</c> after that. The holder
/// checks its session every <c>interval</c> and stops scheduling as soon as a check fails, since from then on another server
/// may hold the lease: the new holder's wait covers that check, so two schedulers never run at once. The lock is per database and
/// schema, so clusters sharing one database in schemas of their own each have their scheduler.
/// </summary>
public sealed class PostgresSchedulerLease : ISchedulerLease
{
    // Any fixed number ("RSYC"): the first half of the lock's key; the second is the schema's hash.
    private const int LockClass = 0x5253_5943;
    private const string TryLock = "SELECT pg_try_advisory_lock(@LockClass, hashtext(current_schema()))";

    private readonly string _connectionString;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _disposed = new();
    private NpgsqlConnection? _session;
    private Task _watching = Task.CompletedTask;

    public PostgresSchedulerLease(string state, TimeProvider clock, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        var seconds = Math.Max(1, (int)interval.TotalSeconds);
        _connectionString = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Normalize(state))
        {
            // A session of its own (never a pooled one another command could end), kept alive and checked by TCP keepalives,
            // so that the server ends the session of a holder whose machine vanished and the lock passes on.
            Pooling = false,
            KeepAlive = seconds,
            TcpKeepAlive = true,
            ApplicationName = "resync scheduler lease",
        }.ConnectionString;
        _clock = clock;
        _interval = interval;
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification =
        "The token source of a lease acquired is handed to WatchAsync, which disposes it when the session ends.")]
    public async Task<CancellationToken> AcquireAsync(CancellationToken cancellationToken)
    {
        if (_session is not null)
            throw new InvalidOperationException("The scheduler lease is held already; wait for its token to be cancelled before acquiring it again.");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        while (true)
        {
            NpgsqlConnection? session = new(_connectionString);
            try
            {
                await session.OpenAsync(stop.Token);
                await using (var settings = new NpgsqlCommand(KeepAliveSettings(), session))
                    await settings.ExecuteNonQueryAsync(stop.Token);
                await using var command = new NpgsqlCommand(TryLock, session);
                command.Parameters.Add(new NpgsqlParameter("LockClass", LockClass));
                if (await command.ExecuteScalarAsync(stop.Token) is true && await StillHeldAfterGraceAsync(session, stop.Token))
                {
                    _session = session;
                    var lost = new CancellationTokenSource();
                    // The watch owns the session and the token source from here: it disposes both when the session ends.
                    _watching = WatchAsync(session, lost);
                    session = null;
                    return lost.Token;
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or IOException)
            {
                // The database is away: try again at the next interval, as when another server holds the lease.
            }
            finally
            {
                // Also when stopped partway (cancellation): a session that did not become the lease's is closed.
                if (session is not null)
                    await session.DisposeAsync();
            }
            await Task.Delay(_interval, _clock, stop.Token);
        }
    }

    /// <summary>
    /// Waits one interval before the new holder schedules: a previous holder whose session ended while its process lived on (a
    /// network cut, not a death) has by then run its check and stopped, so two schedulers never run at once. True when the
    /// session (and so the lock) survived the wait.
    /// </summary>
    private async Task<bool> StillHeldAfterGraceAsync(NpgsqlConnection session, CancellationToken cancellationToken)
    {
        await Task.Delay(_interval, _clock, cancellationToken);
        return await CheckAsync(session, cancellationToken);
    }

    private async Task<bool> CheckAsync(NpgsqlConnection session, CancellationToken cancellationToken)
    {
        try
        {
            // Bounded: a check that cannot reach the database in an interval counts as a lost session.
            await using var check = new NpgsqlCommand("SELECT 1", session) { CommandTimeout = Math.Max(1, (int)_interval.TotalSeconds) };
            await check.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or IOException
                                              or InvalidOperationException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        await _watching;
        _disposed.Dispose();
    }

    /// <summary>Checks the session every interval; the first failed check (or disposal) ends it and cancels the holder's token.</summary>
    private async Task WatchAsync(NpgsqlConnection session, CancellationTokenSource lost)
    {
        try
        {
            do
                await Task.Delay(_interval, _clock, _disposed.Token);
            while (await CheckAsync(session, _disposed.Token));
        }
        catch (OperationCanceledException)
        {
            // Disposed: ending the session releases the lock.
        }
        // The session broke (or was ended): the lease may be another server's now.
        _session = null;
        await session.DisposeAsync();
        await lost.CancelAsync();
        lost.Dispose();
    }

    // The server side of the keepalives: a session whose client stopped answering ends within about three intervals.
    private string KeepAliveSettings()
    {
        var seconds = Math.Max(1, (int)_interval.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"SET tcp_keepalives_idle = {seconds}; SET tcp_keepalives_interval = {seconds}; SET tcp_keepalives_count = 3";
    }
}
