using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Resync.Core.Engine;
using Resync.Core.Errors;
using Resync.Core.Storage;
using Resync.Messaging.RabbitMq;

namespace Resync.Server.Cluster;

/// <summary>What a server or a worker of a cluster adds to its services: the broker's connection and, for servers, dispatch through it.</summary>
internal static class ClusterServices
{
    /// <summary>Connects to the broker (a connection that recovers by itself); a broker that cannot be reached stops the start, naming it.</summary>
    public static async Task<IConnection> ConnectAsync(ServerOptions options, string clientName, CancellationToken cancellationToken)
    {
        try
        {
            return await RabbitMqBatchDispatcherFactory.ConnectAsync(ClusterSettings.Broker(options), clientName, cancellationToken);
        }
        catch (Exception exception) when (exception is BrokerUnreachableException or RabbitMQClientException or IOException)
        {
            throw new ResyncException(new ErrorClassification(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionFailed,
                $"The broker '{ClusterSettings.Describe(options.Broker!)}' cannot be reached: {(exception.InnerException ?? exception).Message}",
                "Check that RabbitMQ is running and reachable, and the user, password and virtual host in --broker (Resync:Broker)."), exception);
        }
    }

    /// <summary>A server's runs hand their batches to the workers through the broker.</summary>
    public static async Task AddServerAsync(IServiceCollection services, ServerOptions options, IRunQueries store, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(options, $"resync serve ({Environment.MachineName})", cancellationToken);
        services.AddSingleton(_ => connection); // through a factory: the container closes it at shutdown
        services.AddSingleton<IBatchDispatcherFactory>(new RabbitMqBatchDispatcherFactory(connection, ClusterSettings.Broker(options), store, clock));
    }
}
