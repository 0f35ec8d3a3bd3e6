namespace Resync.Server.Cluster;

/// <summary>The log events of cluster mode's servers and workers (7101–7199).</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "This server holds the scheduler lease: its scheduler is the cluster's active one")]
    public static partial void SchedulerActive(ILogger logger);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "This server lost the scheduler lease (its session with the database ended): its scheduler stands by")]
    public static partial void SchedulerLost(ILogger logger);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Information, Message = "State shared with other servers: this server's scheduler runs while it holds the scheduler lease, and stands by while another server holds it")]
    public static partial void SchedulerStandingBy(ILogger logger);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Information, Message = "Worker taking batches from {Queue} on {Broker} (state {State}, {Prefetch} at a time)")]
    public static partial void WorkerStarted(ILogger logger, string queue, string broker, string state, int prefetch);

    [LoggerMessage(EventId = 7105, Level = LogLevel.Information, Message = "Worker stopping: batches under way go back to the queue unacknowledged")]
    public static partial void WorkerStopping(ILogger logger);
}
