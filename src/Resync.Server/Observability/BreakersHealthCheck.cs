using Microsoft.Extensions.Diagnostics.HealthChecks;
using Resync.Connectors.Breakers;

namespace Resync.Server.Observability;

/// <summary>
/// Degraded (never Unhealthy: the server works, one of the servers it calls does not) while a connection's breaker is open
/// or probing. The answer is public, so it counts them and names no tenant or host: GET /api/v1/breakers lists them.
/// </summary>
internal sealed class BreakersHealthCheck(ConnectionBreakers breakers) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var states = breakers.States;
        var open = states.Count(state => state.State == "open");
        var probing = states.Count(state => state.State == "half-open");
        var data = new Dictionary<string, object> { ["open"] = open, ["halfOpen"] = probing, ["connections"] = states.Count };
        return Task.FromResult(open + probing == 0
            ? HealthCheckResult.Healthy($"Every connection's breaker is closed ({states.Count} connection{(states.Count == 1 ? "" : "s")} called).", data: data)
            : HealthCheckResult.Degraded($"{open} connection breaker{(open == 1 ? " is" : "s are")} open and {probing} probing: calls to those servers fail fast "
                + "and their links back off. GET /api/v1/breakers (or resync breakers) lists them.", data: data));
    }
}
