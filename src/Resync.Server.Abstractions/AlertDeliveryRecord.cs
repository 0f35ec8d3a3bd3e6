namespace Resync.Server;

/// <summary>
/// One alert for one route, in the durable outbox: written when the alert is raised, sent until it is delivered or given up.
/// A push callback is a delivery too, with no route (<see cref="RouteId"/> 0): its URL and secret are its own.
/// </summary>
/// <param name="Id">The delivery's number (0 before it is stored).</param>
/// <param name="RouteId">The route it goes to.</param>
/// <param name="MessageId">The webhook-id header: the same on every attempt, so a receiver can drop duplicates.</param>
/// <param name="Kind">The alert kind.</param>
/// <param name="Tenant">The tenant of the link concerned.</param>
/// <param name="LinkId">The link concerned, if any (none for test alerts).</param>
/// <param name="RunId">The run concerned, if any.</param>
/// <param name="Payload">The JSON body sent, fixed when the alert is raised.</param>
/// <param name="Status">Pending, Delivered or Failed.</param>
/// <param name="CreatedAt">When the alert was raised; its webhook-timestamp is the time of each attempt.</param>
/// <param name="NextAttemptAt">When the next attempt is due, while pending.</param>
/// <param name="DeliveredAt">When the destination accepted it.</param>
/// <param name="Attempts">The attempts so far, in order.</param>
public sealed record AlertDeliveryRecord(long Id, long RouteId, string MessageId, string Kind, string? Tenant, string? LinkId, long? RunId, string Payload,
    AlertDeliveryStatus Status, DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt, IReadOnlyList<AlertDeliveryAttempt> Attempts)
{
    /// <summary>Where a push callback goes (null for an alert: its route says).</summary>
    public string? CallbackUrl { get; init; }

    /// <summary>A push callback's signing secret, encrypted (null for an alert: its route's secret signs).</summary>
    public string? ProtectedCallbackSecret { get; init; }
}
