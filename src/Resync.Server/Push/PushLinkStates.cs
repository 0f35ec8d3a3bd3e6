using System.Collections.Concurrent;
using Resync.Core.Links;
using Resync.Core.Storage;

namespace Resync.Server.Push;

/// <summary>
/// The link states pushes are checked against, remembered per link for at most <see cref="Staleness"/> so that a push does not read
/// the state file for it. This server's API writes a link's state (a person's activation or deactivation) through
/// <see cref="SetHealthAsync"/>, which forgets the link at once; the other writers cannot reach this cache — the engine's health
/// tracking deactivating a link after its failures (in the core, through the recovery store) and other processes on the same
/// state (cluster workers, the CLI) — so a push may be taken for up to <see cref="Staleness"/> after those, as an API key is for
/// up to <see cref="ServerOptions.ApiKeyCacheDuration"/> after a revocation elsewhere. Such a push is stored and run as any other.
/// </summary>
internal sealed class PushLinkStates(IServerStore store, IRecoveryStore recovery, TimeProvider clock)
{
    /// <summary>How long a link's state read from the store is used for pushes.</summary>
    public static readonly TimeSpan Staleness = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Known> _known = new(StringComparer.Ordinal);
    // Bumped by each Forget: a read that began before it does not remember what it read.
    private long _changes;

    /// <summary>The link's state (null: never registered, so Active), from the store at most <see cref="Staleness"/> ago.</summary>
    public async ValueTask<LinkStateView?> GetAsync(string linkId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_known.TryGetValue(linkId, out var known) && now < known.Until)
            return known.State;
        var changes = Interlocked.Read(ref _changes);
        var state = await store.GetLinkStateAsync(linkId, cancellationToken);
        if (Interlocked.Read(ref _changes) == changes)
            _known[linkId] = new Known(state, now + Staleness);
        return state;
    }

    /// <summary>
    /// Writes the link's state and health through <see cref="IRecoveryStore.UpdateLinkHealthAsync"/> (the one writer of it) and
    /// forgets what was remembered of it, so that the link's next push reads the new state.
    /// </summary>
    public async Task SetHealthAsync(string linkId, string tenant, LinkHealth health, CancellationToken cancellationToken)
    {
        try
        {
            await recovery.UpdateLinkHealthAsync(linkId, tenant, health, cancellationToken);
        }
        finally
        {
            // Even when the write throws: it may have been committed before the failure was reported.
            Forget(linkId);
        }
    }

    private void Forget(string linkId)
    {
        Interlocked.Increment(ref _changes);
        _known.TryRemove(linkId, out _);
    }

    private sealed record Known(LinkStateView? State, DateTimeOffset Until);
}
