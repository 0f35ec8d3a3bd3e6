namespace Resync.Server;

/// <summary>How an alert route's deliveries have gone: the destination can fail too, and that must show.</summary>
/// <param name="LastAttempt">The latest delivery attempt to it, if any.</param>
/// <param name="ConsecutiveFailures">Failed attempts since the last success.</param>
/// <param name="NextAttemptAt">When the next pending delivery is due, if any.</param>
public sealed record AlertRouteHealth(AlertDeliveryAttempt? LastAttempt, int ConsecutiveFailures, DateTimeOffset? NextAttemptAt)
{
    public static AlertRouteHealth None { get; } = new(null, 0, null);
}
