using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Storage;

namespace Resync.Messaging.RabbitMq;

/// <summary>
/// Takes batches of any run from the shared queue, processes each with <see cref="RemoteBatch"/> against the shared store,
/// reports it to the run's engine and only then acknowledges it: a worker that dies before acknowledging leaves the batch
/// to be delivered again, and the store counts it once. Batches past the delivery limit arrive from the dead-letter queue
/// and are stored as failed batches, which a retry of the run's failures fetches again. A batch given again whose result the
/// store already holds is reported as stored: its target is not written twice.
/// </summary>
/// <param name="links">Loads a run's link (null: this worker does not know it; the batch then goes to the dead-letter queue).</param>
public sealed class RabbitMqBatchWorker(IConnection connection, RabbitMqSettings settings, Func<RemoteRun, CancellationToken, ValueTask<Link?>> links,
    IStateStore store, TimeProvider clock, ILogger? logger = null)
{
    /// <summary>How long a batch whose result could not be stored (the store is down) is held before it is handed back for another try.</summary>
    public static readonly TimeSpan StoreRetryDelay = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Takes batches until <paramref name="cancellationToken"/> is cancelled; batches under way are then handed back unacknowledged.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var options = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
            consumerDispatchConcurrency: (ushort)settings.Prefetch);
        await using var channel = await connection.CreateChannelAsync(options, cancellationToken);
        await RabbitMqTopology.DeclareAsync(channel, settings, cancellationToken);
        await channel.BasicQosAsync(0, (ushort)settings.Prefetch, global: false, cancellationToken);

        var batches = new AsyncEventingBasicConsumer(channel);
        batches.ReceivedAsync += (_, delivery) => TakeAsync(channel, delivery, dead: false, cancellationToken);
        await channel.BasicConsumeAsync(settings.Queue, autoAck: false, batches, cancellationToken);
        var dead = new AsyncEventingBasicConsumer(channel);
        dead.ReceivedAsync += (_, delivery) => TakeAsync(channel, delivery, dead: true, cancellationToken);
        await channel.BasicConsumeAsync(settings.DeadLetterQueue, autoAck: false, dead, cancellationToken);

        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: closing the channel hands unacknowledged batches back to the queue.
        }
    }

    private async Task TakeAsync(IChannel channel, BasicDeliverEventArgs delivery, bool dead, CancellationToken cancellationToken)
    {
        RemoteRun run;
        BatchWork work;
        try
        {
            (run, work) = BatchMessage.Deserialize(delivery.Body.Span);
        }
        catch (JsonException exception)
        {
            // Not a batch of ours: kept aside in the dead-letter queue (or dropped from it) for someone to look at, never retried.
            RabbitMqLog.Unreadable(_logger, delivery.RoutingKey, exception.Message);
            await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false, CancellationToken.None);
            return;
        }

        RemoteBatchReport report;
        try
        {
            if (dead)
            {
                report = await RemoteBatch.UndeliverableAsync(run, work, Deliveries(delivery), store, clock, cancellationToken);
            }
            else if (await links(run, cancellationToken) is { } link)
            {
                report = await RemoteBatch.ProcessAsync(link, run, work, store, clock, delivery.Redelivered, cancellationToken);
            }
            else
            {
                RabbitMqLog.UnknownLink(_logger, run.LinkId, run.Tenant, run.RunId, work.Number);
                await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false, CancellationToken.None);
                return;
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The store (or the link's loading) failed: the batch goes back to the queue for another try, after a pause.
            RabbitMqLog.StoreFailed(_logger, run.RunId, work.Number, exception.Message);
            try
            {
                await Task.Delay(StoreRetryDelay, clock, cancellationToken);
                await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                // Stopping: the closing channel hands it back.
            }
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        // Reported before it is acknowledged: a worker dying in between leaves a redelivery, whose second report the engine ignores.
        if (delivery.BasicProperties.ReplyTo is { Length: > 0 } replyTo)
            await channel.BasicPublishAsync("", replyTo, mandatory: false, new BasicProperties { ContentType = "application/json" }, ReportMessage.Serialize(report),
                CancellationToken.None);
        await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
    }

    private int Deliveries(BasicDeliverEventArgs delivery) =>
        delivery.BasicProperties.Headers?.TryGetValue(RabbitMqTopology.DeliveryCountHeader, out var count) == true && count is not null
            ? Convert.ToInt32(count, CultureInfo.InvariantCulture)
            : settings.DeliveryLimit;
}
