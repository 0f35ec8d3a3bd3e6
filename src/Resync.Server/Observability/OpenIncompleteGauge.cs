using System.Diagnostics.Metrics;
using Resync.Core.Observability;
using Resync.Core.Storage;

namespace Resync.Server.Observability;

/// <summary>
/// Feeds <see cref="ResyncMetrics.OpenIncomplete"/> from the state store. A gauge's callback is synchronous and runs in a
/// scrape, so it answers the last count at once and asks the store again in the background (one GROUP BY query per
/// scrape, never two at a time): a scrape sees the store as it was at the scrape before, and never waits for it.
/// </summary>
internal sealed partial class OpenIncompleteGauge(IRecoveryStore store, ILogger<OpenIncompleteGauge> logger) : IHostedService
{
    private IReadOnlyList<IncompleteCount> _counts = [];
    private IDisposable? _registration;
    private int _refreshing;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _counts = await store.CountOpenIncompleteAsync(cancellationToken);
        _registration = ResyncMetrics.ObserveOpenIncomplete(Observe);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration?.Dispose();
        return Task.CompletedTask;
    }

    private IEnumerable<Measurement<long>> Observe()
    {
        if (Interlocked.Exchange(ref _refreshing, 1) == 0)
            _ = RefreshAsync();
        return _counts.Select(count => new Measurement<long>(count.Open, new KeyValuePair<string, object?>("link", count.LinkId),
            new KeyValuePair<string, object?>("tenant", count.Tenant)));
    }

    private async Task RefreshAsync()
    {
        try
        {
            _counts = await store.CountOpenIncompleteAsync(CancellationToken.None);
        }
        catch (Exception exception)
        {
            // A store that cannot answer now keeps the last count; /health/ready reports the store itself.
            ServerLog.OpenIncompleteNotCounted(logger, exception);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }
}
