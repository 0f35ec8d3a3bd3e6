using System.Collections.Concurrent;
using System.Globalization;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Resync.Core.Engine;

namespace Resync.Messaging.RabbitMq;

/// <summary>
/// Publishes one run's batches (persistent, each confirmed by the broker before the engine notes it as dispatched) and
/// takes the workers' reports from a reply queue of its own. A batch delivered twice is reported twice: only the first
/// report counts. At most <see cref="RabbitMqSettings.MaxUnreportedBatches"/> batches wait unreported, so the queue stays bounded.
/// </summary>
internal sealed class RabbitMqBatchDispatcher(IConnection connection, RabbitMqSettings settings, RemoteRun run, Func<RemoteBatchReport, Task> reported)
    : IBatchDispatcher
{
    private readonly SemaphoreSlim _window = new(settings.MaxUnreportedBatches);
    private readonly ConcurrentDictionary<int, byte> _unreported = new();
    private readonly TaskCompletionSource _allReported = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _starting = new(1);
    private IChannel? _publisher;
    private IChannel? _replies;
    private string? _replyQueue;
    private volatile bool _completing;
    private Exception? _replyFailure;

    public async ValueTask DispatchAsync(BatchWork work, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        await _window.WaitAsync(cancellationToken);
        _unreported[work.Number] = 0;
        try
        {
            var properties = new BasicProperties
            {
                Persistent = true,
                ReplyTo = _replyQueue,
                MessageId = string.Create(CultureInfo.InvariantCulture, $"{run.RunId}.{work.Number}"),
                ContentType = "application/json",
            };
            // Confirm tracking: this returns once the broker has the batch in its quorum queue, or throws (never a silent loss).
            await _publisher!.BasicPublishAsync("", settings.Queue, mandatory: true, properties, BatchMessage.Serialize(run, work), cancellationToken);
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
            await RabbitMqTopology.DeclareAsync(replies, settings, cancellationToken);
            // The reply queue lives as long as this run's engine: a report sent after it died is dropped (the store has the result).
            var queue = await replies.QueueDeclareAsync(string.Create(CultureInfo.InvariantCulture, $"{settings.Queue}.reports.{run.RunId}.{Guid.NewGuid():N}"),
                durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken);
            var consumer = new AsyncEventingBasicConsumer(replies);
            consumer.ReceivedAsync += (_, delivery) => TakeReportAsync(replies, delivery);
            await replies.BasicConsumeAsync(queue.QueueName, autoAck: false, consumer, cancellationToken);
            _replies = replies;
            _replyQueue = queue.QueueName;
            _publisher = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken);
        }
        finally
        {
            _starting.Release();
        }
    }

    private async Task TakeReportAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        try
        {
            var report = ReportMessage.Deserialize(delivery.Body.Span);
            if (report.Result.RunId == run.RunId && _unreported.TryRemove(report.Result.BatchNumber, out _))
            {
                await reported(report);
                _window.Release();
            }
        }
        catch (Exception exception)
        {
            // A report that cannot be read is a bug (not a record failure): the run ends with it instead of waiting forever.
            _replyFailure ??= exception;
            _allReported.TrySetResult();
        }
        await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        if (_completing && _unreported.IsEmpty)
            _allReported.TrySetResult();
    }
}
