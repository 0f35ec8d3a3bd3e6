namespace Resync.Server;

/// <summary>Where an alert delivery stands: waiting for its (next) attempt, delivered, given up after the last, or held during an automatic recovery.</summary>
public enum AlertDeliveryStatus
{
    Pending,
    Delivered,
    Failed,

    /// <summary>Raised during an automatic recovery and held by its route until the recovery ends.</summary>
    Held,

    /// <summary>A held alert sent as part of the digest of a recovery that failed.</summary>
    Digested,

    /// <summary>A held alert dropped: the recovery got through.</summary>
    Withdrawn,
}
