using Microsoft.Extensions.Logging;

namespace Resync.Messaging.RabbitMq;

/// <summary>The worker's log events (record values never appear in them).</summary>
internal static partial class RabbitMqLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Error, Message = "A message on {Queue} is not a batch and was set aside: {Reason}")]
    public static partial void Unreadable(ILogger logger, string queue, string reason);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Error,
        Message = "Link '{LinkId}' of tenant '{Tenant}' is not known to this worker: batch {Batch} of run {RunId} goes to the dead-letter queue")]
    public static partial void UnknownLink(ILogger logger, string linkId, string tenant, long runId, int batch);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Batch {Batch} of run {RunId} could not be stored and goes back to the queue: {Reason}")]
    public static partial void StoreFailed(ILogger logger, long runId, int batch, string reason);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "The worker's channel on {Queue} was lost and is opened again: {Reason}")]
    public static partial void ChannelLost(ILogger logger, string queue, string reason);
}
