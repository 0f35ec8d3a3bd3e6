using System.Collections.Concurrent;
using System.Globalization;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Resync.Core.Engine;
using Resync.Core.Storage;

namespace Resync.Messaging.RabbitMq;

/// <summary>
/// Publishes one run's batches (persistent, each confirmed by the broker before the engine notes it as dispatched) and
/// takes the workers' reports from a reply queue of its own. A batch delivered twice is reported twice: only the first
/// report counts. At most <see cref="RabbitMqSettings.MaxUnreportedBatches"/> batches wait unreported, so the queue stays bounded.
/// While the broker is away (a restart), publishing waits for the connection to recover; once it has, the batches whose
/// reports were lost with the reply queue are counted from the store.
/// </summary>
internal sealed class RabbitMqBatchDispatcher(IConnection connection, RabbitMqSettings settings, IRunQueries store, TimeProvider clock, RemoteRun run,
    Func<RemoteBatchReport, Task> reported) : IBatchDispatcher
{
    /// <summary>How long publishing waits between attempts while the broker is away.</summary>
    public static readonly TimeSpan RepublishDelay = TimeSpan.FromMilliseconds(500);

    // Confirm tracking: each publish returns once the broker has the batch, or throws.
    private static readonly CreateChannelOptions PublisherOptions = new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);

    private readonly SemaphoreSlim _window = new(settings.MaxUnreportedBatches);
    private readonly ConcurrentDictionary<int, byte> _unreported = new();
    private readonly TaskCompletionSource _allReported = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _starting = new(1);
    private IChannel? _publisher;
    private IChannel? _replies;
    private string? _replyQueue;
    private volatile bool _completing;
    private Exception? _replyFailure;
    private AsyncEventHandler<AsyncEventArgs>? _recovered;

    public async ValueTask DispatchAsync(BatchWork work, CancellationToken cancellationToken)
    {
        await _window.WaitAsync(cancellationToken);
        _unreported[work.Number] = 0;
        try
        {
            var body = BatchMessage.Serialize(run, work);
            while (true)
            {
                try
                {
                    // The run's channels open with its first batch (and again on the next attempt, if the broker did not answer).
                    await StartAsync(cancellationToken);
                    var properties = new BasicProperties
                    {
                        Persistent = true,
                        ReplyTo = _replyQueue,
                        MessageId = string.Create(CultureInfo.InvariantCulture, $"{run.RunId}.{work.Number}"),
                        ContentType = "application/json",
                    };
                    // Confirm tracking: this returns once the broker has the batch in its quorum queue, or throws (never a silent loss).
                    await _publisher!.BasicPublishAsync("", settings.Queue, mandatory: true, properties, body, cancellationToken);
                    break;
                }
                catch (Exception exception) when (BrokerCalls.IsTransientFailure(exception, cancellationToken))
                {
                    // The broker is away, did not answer in time, or lost the batch unconfirmed: try again once the connection has
                    // recovered. A batch published twice this way is processed once (the store) and counted once (the first report).
                    await Task.Delay(RepublishDelay, clock, cancellationToken);
                    await ReopenPublisherAsync(cancellationToken);
                }
            }
        }
        catch
        {
            _unreported.TryRemove(work.Number, out _);
            _window.Release();
            throw;
        }
    }

    public async Task CompleteAsync()
    {
        _completing = true;
        if (_unreported.IsEmpty)
            _allReported.TrySetResult();
        await _allReported.Task;
        if (_replyFailure is not null)
            throw new InvalidOperationException($"Run {run.RunId}: a worker's report could not be taken: {_replyFailure.Message}", _replyFailure);
    }

    public async ValueTask DisposeAsync()
    {
        if (_recovered is not null)
            connection.RecoverySucceededAsync -= _recovered; // the connection outlives the run
        if (_publisher is not null)
            await _publisher.DisposeAsync();
        if (_replies is not null)
            await _replies.DisposeAsync();
        _window.Dispose();
        _starting.Dispose();
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_publisher is not null)
            return;
        await _starting.WaitAsync(cancellationToken);
        try
        {
            if (_publisher is not null)
                return;
            var replies = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            QueueDeclareOk queue;
            IChannel publisher;
            try
            {
                await RabbitMqTopology.DeclareAsync(replies, settings, cancellationToken);
                // The reply queue lives as long as this run's engine: a report sent after it died is dropped (the store has the result).
                queue = await replies.QueueDeclareAsync(string.Create(CultureInfo.InvariantCulture, $"{settings.Queue}.reports.{run.RunId}.{Guid.NewGuid():N}"),
                    durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken);
                var consumer = new AsyncEventingBasicConsumer(replies);
                consumer.ReceivedAsync += (_, delivery) => TakeReportAsync(replies, delivery);
                await replies.BasicConsumeAsync(queue.QueueName, autoAck: false, consumer, cancellationToken);
                publisher = await connection.CreateChannelAsync(PublisherOptions, cancellationToken);
            }
            catch
            {
                // The next attempt opens channels of its own: this one, its reply queue and its consumer go (none was kept).
                await BrokerCalls.CloseQuietlyAsync(replies);
                throw;
            }
            _replies = replies;
            _replyQueue = queue.QueueName;
            _recovered = (_, _) => CountStoredAsync();
            connection.RecoverySucceededAsync += _recovered;
            _publisher = publisher;
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>
    /// Opens the publishing channel again when the broker closed it while the connection stayed up (a channel error): the client
    /// recovers channels only with their connection, so the engine would otherwise try to publish on a closed channel forever.
    /// </summary>
    private async Task ReopenPublisherAsync(CancellationToken cancellationToken)
    {
        await _starting.WaitAsync(cancellationToken);
        try
        {
            if (_publisher is not { IsClosed: true } closed || !connection.IsOpen)
                return;
            _publisher = await connection.CreateChannelAsync(PublisherOptions, cancellationToken);
            await BrokerCalls.CloseQuietlyAsync(closed);
        }
        catch (Exception exception) when (BrokerCalls.IsTransientFailure(exception, cancellationToken))
        {
            // The connection went while opening it, or the broker did not answer in time: the next attempt tries again.
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>After a broker restart: the reports sent before it and not yet taken are gone; the store says which batches finished.</summary>
    private async Task CountStoredAsync()
    {
        try
        {
            foreach (var number in _unreported.Keys.Order())
            {
                if (await RemoteBatch.StoredAsync(store, run.RunId, number, CancellationToken.None) is { } stored)
                    await CountAsync(stored);
            }
        }
        catch (Exception exception)
        {
            _replyFailure ??= exception;
            _allReported.TrySetResult();
        }
    }

    private async Task CountAsync(RemoteBatchReport report)
    {
        if (report.Result.RunId != run.RunId || !_unreported.TryRemove(report.Result.BatchNumber, out _))
            return;
        await reported(report);
        _window.Release();
        if (_completing && _unreported.IsEmpty)
            _allReported.TrySetResult();
    }

    private async Task TakeReportAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        try
        {
            await CountAsync(ReportMessage.Deserialize(delivery.Body.Span));
        }
        catch (Exception exception)
        {
            // A report that cannot be read is a bug (not a record failure): the run ends with it instead of waiting forever.
            _replyFailure ??= exception;
            _allReported.TrySetResult();
        }
        await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
    }
}
