namespace Resync.Server;

/// <summary>
/// Every log message of the server that is not a run, record, link or alert event of the catalogue
/// (<see cref="Resync.Core.Observability.ResyncEvents"/>), each with a stable id: 5001–5099 links, 5101–5199 runs and the
/// scheduler, 5201–5299 pushes, 7101–7199 cluster mode, 9101–9199 metrics (docs/observability.md lists the ranges).
/// Record values and secrets never appear in them: link problems are masked before they get here.
/// </summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Link {LinkId} cannot be decrypted (was the key ring replaced?): {Message}")]
    public static partial void StoredLinkNotDecrypted(ILogger logger, string linkId, string message);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Stored link {LinkId} no longer loads: {Problems}")]
    public static partial void StoredLinkNotLoaded(ILogger logger, string linkId, string problems);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Link file {File} has problems and is not loaded: {Problems}")]
    public static partial void LinkFileNotLoaded(ILogger logger, string file, string problems);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning,
        Message = "Link file {File} defines link {LinkId}, which exists already (created through the API); the file is ignored.")]
    public static partial void LinkFileShadowed(ILogger logger, string file, string linkId);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Loaded link {LinkId} from {File}")]
    public static partial void LinkFileLoaded(ILogger logger, string linkId, string file);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Link {LinkId} removed: its file {File} is gone")]
    public static partial void LinkFileRemoved(ILogger logger, string linkId, string file);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Debug, Message = "Link file {File} not readable yet: {Message}")]
    public static partial void LinkFileNotReadableYet(ILogger logger, string file, string message);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "A bulk retry of link {LinkId} did not run: {Message}")]
    public static partial void BulkRetryNotRun(ILogger logger, Exception exception, string linkId, string message);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Stopping: {Count} runs finish their current batches")]
    public static partial void RunsFinishing(ILogger logger, int count);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Error, Message = "Run {RunId} of link {LinkId} failed in the runner")]
    public static partial void RunFailedInRunner(ILogger logger, Exception? exception, long runId, string linkId);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Error, Message = "Link {LinkId}: the run for {Trigger} could not run")]
    public static partial void ScheduledRunNotRun(ILogger logger, Exception exception, string linkId, string trigger);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning,
        Message = "Pushes {PushIds} of link {LinkId}: run {RunId} was cut by the process stopping; its remainder is incomplete run {IncompleteId}, resumed now")]
    public static partial void CutPushesResumed(ILogger logger, string pushIds, string linkId, long? runId, long incompleteId);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Information, Message = "Stored push {PushId} of link {LinkId} started as run {RunId}")]
    public static partial void StoredPushStarted(ILogger logger, long pushId, string linkId, long runId);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Warning, Message = "Stored push {PushId} is for link {LinkId}, which is gone or no longer a push link; it stays stored")]
    public static partial void StoredPushOrphaned(ILogger logger, long pushId, string linkId);

    [LoggerMessage(EventId = 5204, Level = LogLevel.Error, Message = "Pushes {PushIds}: run {RunId} failed in the runner")]
    public static partial void PushRunFailed(ILogger logger, Exception exception, string pushIds, long runId);

    [LoggerMessage(EventId = 5205, Level = LogLevel.Error, Message = "Pushes of run {RunId}: their end could not be recorded")]
    public static partial void PushEndNotRecorded(ILogger logger, Exception exception, long runId);

    [LoggerMessage(EventId = 5206, Level = LogLevel.Warning, Message = "Push {PushId} was stored without a callback secret (before callbacks were signed); its callback is not sent")]
    public static partial void PushCallbackUnsigned(ILogger logger, long pushId);

    [LoggerMessage(EventId = 5207, Level = LogLevel.Error, Message = "Push {PushId}: the callback of run {RunId} could not be queued")]
    public static partial void PushCallbackNotQueued(ILogger logger, Exception exception, long pushId, long runId);

    [LoggerMessage(EventId = 5208, Level = LogLevel.Error, Message = "Pushes of run {RunId}: their payloads could not be purged")]
    public static partial void PushPayloadsNotPurged(ILogger logger, Exception exception, long runId);

    [LoggerMessage(EventId = 5209, Level = LogLevel.Warning, Message = "Acknowledged push {PushId} of link {LinkId} could not start its run; it stays stored and is started at the next start")]
    public static partial void AcceptedPushNotStarted(ILogger logger, Exception exception, long pushId, string linkId);

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

    [LoggerMessage(EventId = 9101, Level = LogLevel.Debug, Message = "The open incomplete runs could not be counted for the metrics gauge")]
    public static partial void OpenIncompleteNotCounted(ILogger logger, Exception exception);
}
