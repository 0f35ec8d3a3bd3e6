using Microsoft.Extensions.Diagnostics.HealthChecks;
using Resync.Server.Scheduling;

namespace Resync.Server.Observability;

/// <summary>Ready only while the scheduler's loop runs: if it ended (it failed) scheduled runs and retries of incomplete runs stop.</summary>
internal sealed class SchedulerHealthCheck(SchedulerService scheduler, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var loop = scheduler.ExecuteTask;
        var result = loop is null ? HealthCheckResult.Unhealthy("The scheduler has not started.")
            : !loop.IsCompleted ? HealthCheckResult.Healthy("The scheduler is running.")
            : lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("The server is stopping.")
            : HealthCheckResult.Unhealthy($"The scheduler stopped: {loop.Exception?.GetBaseException().Message ?? "its loop ended"}. Scheduled runs and automatic retries do not happen; restart the server.");
        return Task.FromResult(result);
    }
}
