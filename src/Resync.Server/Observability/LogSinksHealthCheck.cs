using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Resync.Server.Observability;

/// <summary>Degraded once a log sink lost events (its buffer was full, or it could not write): monitoring misses them.</summary>
internal sealed class LogSinksHealthCheck(IEnumerable<BufferedLogSink> sinks) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        foreach (var sink in sinks)
        {
            data[$"{sink.Name}.dropped"] = sink.Dropped;
            data[$"{sink.Name}.buffered"] = sink.Buffered;
        }
        var losing = sinks.Where(sink => sink.Dropped > 0).Select(sink => $"{sink.Name} dropped {sink.Dropped} events").ToList();
        return Task.FromResult(losing.Count > 0
            ? HealthCheckResult.Degraded($"Log sinks lost events: {string.Join("; ", losing)}.", data: data)
            : HealthCheckResult.Healthy("No log sink lost an event.", data));
    }
}
