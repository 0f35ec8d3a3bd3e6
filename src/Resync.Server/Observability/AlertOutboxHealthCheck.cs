using Microsoft.Extensions.Diagnostics.HealthChecks;
using Resync.Core.Storage;

namespace Resync.Server.Observability;

/// <summary>
/// Degraded when an alert delivery has been due for longer than <see cref="StuckAfter"/>: the delivery loop sends due
/// deliveries at once, so one left waiting means alerts are not going out.
/// </summary>
internal sealed class AlertOutboxHealthCheck(IServerStore store, TimeProvider clock) : IHealthCheck
{
    public static readonly TimeSpan StuckAfter = TimeSpan.FromMinutes(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var due = await store.NextAlertDeliveryDueAsync(cancellationToken);
        var now = clock.GetUtcNow();
        if (due is { } at && now - at > StuckAfter)
        {
            return HealthCheckResult.Degraded($"An alert delivery has been due since {at:O} and is not sent: the alert outbox is stuck.",
                data: new Dictionary<string, object> { ["dueSince"] = at });
        }
        return HealthCheckResult.Healthy("The alert outbox is moving.");
    }
}
