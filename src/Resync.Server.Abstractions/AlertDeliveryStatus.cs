namespace Resync.Server;

/// <summary>Where an alert delivery stands: waiting for its (next) attempt, delivered, or given up after the last.</summary>
public enum AlertDeliveryStatus
{
    Pending,
    Delivered,
    Failed,
}
