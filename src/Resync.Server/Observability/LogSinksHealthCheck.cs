using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Resync.Server.Observability;

/// <summary>
/// Degraded once a log sink lost events (its buffer was full, or it could not write): monitoring misses them. The links'
/// own sinks are summed under <c>tenants.intake</c> and <c>tenants.file</c>: the answer is public and names no tenant
/// (<c>/metrics</c> has them by tenant).
/// </summary>
internal sealed class LogSinksHealthCheck(IEnumerable<BufferedLogSink> hostSinks, TenantLogSinks tenantSinks) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        var dropped = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var sink in hostSinks.Concat(tenantSinks.Sinks))
        {
            var name = sink.Tenant is null ? sink.Name : $"tenants.{sink.Name}";
            dropped[name] = dropped.GetValueOrDefault(name) + sink.Dropped;
            data[$"{name}.dropped"] = dropped[name];
            data[$"{name}.buffered"] = (data.TryGetValue($"{name}.buffered", out var buffered) ? (int)buffered : 0) + sink.Buffered;
        }
        var losing = dropped.Where(sink => sink.Value > 0).Select(sink => $"{sink.Key} dropped {sink.Value} events").ToList();
        return Task.FromResult(losing.Count > 0
            ? HealthCheckResult.Degraded($"Log sinks lost events: {string.Join("; ", losing)}.", data: data)
            : HealthCheckResult.Healthy("No log sink lost an event.", data));
    }
}
