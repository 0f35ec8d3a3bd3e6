namespace Resync.Server;

/// <summary>
/// The right to run the scheduler when several servers share one state store: exactly one holder at a time, handed over when
/// the holder dies. A store only one process opens (a SQLite file) has none.
/// </summary>
public interface ISchedulerLease : IAsyncDisposable
{
    /// <summary>
    /// Waits until this process holds the lease; returns a token that is cancelled when it loses it (its connection to the store
    /// broke: another server may take the lease from then on, so this one must stop scheduling at once).
    /// </summary>
    Task<CancellationToken> AcquireAsync(CancellationToken cancellationToken);
}
