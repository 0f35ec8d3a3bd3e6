using RabbitMQ.Client;

namespace Resync.Messaging.RabbitMq;

/// <summary>Declares the queues every server and worker shares (declaring is idempotent while the arguments match).</summary>
internal static class RabbitMqTopology
{
    /// <summary>The header a quorum queue sets on a batch delivered again.</summary>
    public const string DeliveryCountHeader = "x-delivery-count";

    public static async Task DeclareAsync(IChannel channel, RabbitMqSettings settings, CancellationToken cancellationToken)
    {
        // Quorum queues are replicated and durable: a batch confirmed to the publisher survives a broker restart.
        await channel.QueueDeclareAsync(settings.DeadLetterQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(settings.Queue, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            // A batch whose workers keep dying (or refuse it) stops after this many deliveries instead of killing every worker in turn.
            ["x-delivery-limit"] = settings.DeliveryLimit,
            ["x-dead-letter-exchange"] = "",
            ["x-dead-letter-routing-key"] = settings.DeadLetterQueue,
        }, cancellationToken: cancellationToken);
    }
}
