using Microsoft.Extensions.Diagnostics.HealthChecks;
using Resync.Core.Storage;

namespace Resync.Server.Observability;

/// <summary>Ready only while the state store can record runs; the store knows what that takes (a writable file, a primary database).</summary>
internal sealed class StateStoreHealthCheck(IStateStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["location"] = store.Location };
        return await store.WriteProblemAsync(cancellationToken) is { } problem
            ? HealthCheckResult.Unhealthy(problem, data: data)
            : HealthCheckResult.Healthy($"The state store {store.Location} is writable.", data);
    }
}
