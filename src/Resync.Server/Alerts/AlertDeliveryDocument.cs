using Resync.Core.Storage;

namespace Resync.Server.Alerts;

/// <summary>One alert delivery as the API shows it: status, every attempt with its error and hint, and the body sent.</summary>
public sealed record AlertDeliveryDocument(long Id, long RouteId, string WebhookId, string Kind, string? Tenant, string? LinkId, long? RunId,
    AlertDeliveryStatus Status, DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt, IReadOnlyList<AlertDeliveryAttempt> Attempts,
    System.Text.Json.Nodes.JsonNode? Payload)
{
    public static AlertDeliveryDocument From(AlertDeliveryRecord d) => new(d.Id, d.RouteId, d.MessageId, d.Kind, d.Tenant, d.LinkId, d.RunId, d.Status,
        d.CreatedAt, d.NextAttemptAt, d.DeliveredAt, d.Attempts, System.Text.Json.Nodes.JsonNode.Parse(d.Payload));
}
