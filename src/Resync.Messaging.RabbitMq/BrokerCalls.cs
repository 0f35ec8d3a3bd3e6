using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Resync.Messaging.RabbitMq;

/// <summary>What the engine and the workers share about calling a broker that may be away or slow.</summary>
internal static class BrokerCalls
{
    /// <summary>
    /// True for a closed channel or connection, a broken socket, and a broker that did not answer within the client's
    /// continuation timeout: the client reports that last one as a cancellation although nobody cancelled (a busy broker
    /// declaring a quorum queue can take that long), and taking it for ours would end a worker or a run for good.
    /// </summary>
    public static bool IsTransientFailure(Exception exception, CancellationToken cancellationToken) =>
        exception is RabbitMQClientException or IOException
        || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>Closes a channel that may be closed already (by the broker, or with its connection) or whose close the broker does not answer.</summary>
    public static async Task CloseQuietlyAsync(IChannel channel)
    {
        try
        {
            await channel.DisposeAsync();
        }
        catch (Exception exception) when (IsTransientFailure(exception, CancellationToken.None))
        {
            // The channel is gone either way.
        }
    }
}
