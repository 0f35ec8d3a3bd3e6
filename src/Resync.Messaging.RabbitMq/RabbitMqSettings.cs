namespace Resync.Messaging.RabbitMq;

/// <summary>How cluster mode uses the broker. Every server and worker of one cluster must use the same queue and delivery limit.</summary>
/// <param name="Uri">The broker, e.g. <c>amqp://resync:secret@mq.internal:5672/resync</c>.</param>
public sealed record RabbitMqSettings(Uri Uri)
{
    /// <summary>The default <see cref="Queue"/>.</summary>
    public const string DefaultQueue = "resync.batches";

    /// <summary>The default <see cref="DeliveryLimit"/>.</summary>
    public const int DefaultDeliveryLimit = 5;

    /// <summary>The default <see cref="Prefetch"/>.</summary>
    public const int DefaultPrefetch = 2;

    /// <summary>The default <see cref="MaxUnreportedBatches"/>.</summary>
    public const int DefaultMaxUnreportedBatches = 32;

    /// <summary>The quorum queue the batches wait in; its dead-letter queue is this name with <c>.dead</c> appended.</summary>
    public string Queue { get; init; } = DefaultQueue;

    /// <summary>How many times a batch is delivered to workers before it goes to the dead-letter queue (and is stored as a failed batch).</summary>
    public int DeliveryLimit { get; init; } = DefaultDeliveryLimit;

    /// <summary>How many batches one worker process holds and processes at once.</summary>
    public int Prefetch { get; init; } = DefaultPrefetch;

    /// <summary>How many published batches of one run may wait for their result before the run's reader waits (bounds the queue per run).</summary>
    public int MaxUnreportedBatches { get; init; } = DefaultMaxUnreportedBatches;

    /// <summary>The dead-letter queue's name.</summary>
    public string DeadLetterQueue => Queue + ".dead";

    /// <summary>Every problem of these settings, each naming the setting; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Uri.Scheme is not ("amqp" or "amqps"))
            problems.Add($"broker: '{Uri.Scheme}' is not a broker address; use amqp://user:password@host:5672/vhost (or amqps://)");
        if (string.IsNullOrWhiteSpace(Queue) || Queue.Length > 200)
            problems.Add("queue: must be a name of 1 to 200 characters");
        if (DeliveryLimit is < 1 or > 100)
            problems.Add($"deliveryLimit: {DeliveryLimit} is out of range 1..100");
        if (Prefetch is < 1 or > 1000)
            problems.Add($"prefetch: {Prefetch} is out of range 1..1000");
        if (MaxUnreportedBatches is < 1 or > 100_000)
            problems.Add($"maxUnreportedBatches: {MaxUnreportedBatches} is out of range 1..100000");
        return problems;
    }
}
