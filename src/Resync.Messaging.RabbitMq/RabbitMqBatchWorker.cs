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
/// <param name="pacing">Paces the waits before a batch is handed back and before the channel is opened again (default: <paramref name="clock"/>).</param>
/// <param name="links">Loads a run's link (null: this worker does not know it; the batch then goes to the dead-letter queue).</param>
public sealed class RabbitMqBatchWorker(IConnection connection, RabbitMqSettings settings, Func<RemoteRun, CancellationToken, ValueTask<Link?>> links,
    IStateStore store, TimeProvider clock, ILogger? logger = null, TimeProvider? pacing = null)
{
    /// <summary>How long the worker waits before it opens its channel again after the broker closed it.</summary>
    public static readonly TimeSpan ReopenDelay = TimeSpan.FromSeconds(1);

    /// <summary>How long a batch whose result could not be stored (the store is down) is held before it is handed back for another try.</summary>
    public static readonly TimeSpan StoreRetryDelay = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Takes batches until <paramref name="cancellationToken"/> is cancelled; batches under way are then handed back unacknowledged.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            IChannel? channel = null;
            try
            {
                channel = await OpenAsync(lost, cancellationToken);
                RabbitMqLog.ChannelLost(_logger, settings.Queue, await lost.Task.WaitAsync(cancellationToken));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: closing the channel (below) hands unacknowledged batches back to the queue.
                return;
            }
            catch (Exception exception) when (BrokerCalls.IsTransientFailure(exception, cancellationToken))
            {
                // The broker refused to open the channel or to start consuming (the queue not ready yet, the connection recovering),
                // or did not answer in time: the worker tries again rather than sit idle, alive, while batches wait.
                RabbitMqLog.ChannelLost(_logger, settings.Queue, exception is OperationCanceledException
                    ? "the broker did not answer in time" : exception.Message);
            }
            finally
            {
                if (channel is not null)
                    await BrokerCalls.CloseQuietlyAsync(channel);
            }
            try
            {
                await Task.Delay(ReopenDelay, pacing ?? clock, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Opens a channel that consumes both queues; <paramref name="lost"/> is set when the broker closes it or cancels a consumer.
    /// A channel the broker closed on its own (a channel error, e.g. a quorum queue declared a moment ago whose replica is not
    /// running yet) is not recovered by the client: without this the worker would sit idle while batches wait in the queue.
    /// </summary>
    private async Task<IChannel> OpenAsync(TaskCompletionSource<string> lost, CancellationToken cancellationToken)
    {
        var options = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
            consumerDispatchConcurrency: (ushort)settings.Prefetch);
        var channel = await connection.CreateChannelAsync(options, cancellationToken);
        try
        {
            channel.ChannelShutdownAsync += (_, args) =>
            {
                lost.TrySetResult($"the channel was closed ({args.ReplyCode} {args.ReplyText})");
                return Task.CompletedTask;
            };
            await RabbitMqTopology.DeclareAsync(channel, settings, cancellationToken);
            await channel.BasicQosAsync(0, (ushort)settings.Prefetch, global: false, cancellationToken);
            await ConsumeAsync(channel, settings.Queue, dead: false, lost, cancellationToken);
            await ConsumeAsync(channel, settings.DeadLetterQueue, dead: true, lost, cancellationToken);
            return channel;
        }
        catch
        {
            await BrokerCalls.CloseQuietlyAsync(channel);
            throw;
        }
    }

    private async Task ConsumeAsync(IChannel channel, string queue, bool dead, TaskCompletionSource<string> lost, CancellationToken cancellationToken)
    {
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => TakeAsync(channel, delivery, dead, cancellationToken);
        // The broker cancels a consumer whose queue was deleted: the queue is declared again on the next channel.
        consumer.UnregisteredAsync += (_, _) =>
        {
            lost.TrySetResult($"the broker cancelled the consumer of {queue}");
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
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
                await Task.Delay(StoreRetryDelay, pacing ?? clock, cancellationToken);
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
