using Microsoft.Extensions.Logging;

namespace Resync.Core.Observability;

/// <summary>
/// The event catalogue: every run, batch, record, link, incomplete-run and alert event Resync logs, with a stable id, a stable
/// name and stable structured fields (docs/observability.md lists them; a test keeps that table and this class in step).
/// Each event is written from one place. Record field values (and record keys, which are often e-mail addresses or names)
/// appear only when the link opts in (<c>settings.logRecordValues</c>): monitoring pipelines are rarely cleared for customer data.
/// Ids: 1xxx runs and batches, 2xxx records, 3xxx links and incomplete runs, 4xxx alerts.
/// </summary>
public static partial class ResyncEvents
{
    [LoggerMessage(EventId = 1001, EventName = "RunStarted", Level = LogLevel.Information,
        Message = "Run {RunId} of link {LinkId} (tenant {Tenant}, {Trigger}) started: {Kind}, parent {ParentRunId}, request {RequestId}")]
    public static partial void RunStarted(ILogger logger, long runId, string linkId, string tenant, string trigger, string kind, long? parentRunId, string? requestId);

    /// <remarks>Information when the run Succeeded, Warning otherwise, Error when it Failed.</remarks>
    [LoggerMessage(EventId = 1002, EventName = "RunFinished",
        Message = "Run {RunId} of link {LinkId} (tenant {Tenant}, {Trigger}) ended {Status}: {Read} read, {Succeeded} succeeded, {Failed} failed, {Ignored} ignored, " +
            "{Incomplete} incomplete, {Warnings} warnings, {BatchesFailed} of {BatchesTotal} batches failed in {DurationMs} ms; {Kind}, request {RequestId}, error {ErrorCode}")]
    public static partial void RunFinished(ILogger logger, LogLevel level, long runId, string linkId, string tenant, string trigger, string status, long read,
        long succeeded, long failed, long ignored, long incomplete, long warnings, int batchesFailed, int batchesTotal, long durationMs, string kind,
        string? requestId, string? errorCode);

    [LoggerMessage(EventId = 1003, EventName = "BatchFailed", Level = LogLevel.Error,
        Message = "Batch {BatchNumber} of run {RunId} (link {LinkId}, tenant {Tenant}) failed: {ErrorScope} {ErrorType} {Durability} {ErrorCode} at {Step}: {ErrorMessage}; request {RequestId}")]
    public static partial void BatchFailed(ILogger logger, int batchNumber, long runId, string linkId, string tenant, string errorScope, string errorType,
        string durability, string errorCode, string? step, string errorMessage, string? requestId);

    [LoggerMessage(EventId = 1004, EventName = "RunSystemError", Level = LogLevel.Error,
        Message = "Run {RunId} (link {LinkId}, tenant {Tenant}) stopped: {ErrorType} {Durability} {ErrorCode} at {Step}: {ErrorMessage}; request {RequestId}")]
    public static partial void RunSystemError(ILogger logger, long runId, string linkId, string tenant, string errorType, string durability, string errorCode,
        string? step, string errorMessage, string? requestId);

    /// <remarks><paramref name="recordKey"/> and <paramref name="errorMessage"/> are null unless the link opts in to record values.</remarks>
    [LoggerMessage(EventId = 2001, EventName = "RecordFailed", Level = LogLevel.Warning,
        Message = "Record {Position} of batch {BatchNumber}, run {RunId} (link {LinkId}, tenant {Tenant}) failed: {ErrorType} {Durability} {ErrorCode} at {Step}, fields {Fields}; key {RecordKey}: {ErrorMessage}; request {RequestId}")]
    public static partial void RecordFailed(ILogger logger, int position, int batchNumber, long runId, string linkId, string tenant, string errorType,
        string durability, string errorCode, string? step, string fields, string? recordKey, string? errorMessage, string? requestId);

    /// <remarks><paramref name="recordKey"/> and <paramref name="reason"/> are null unless the link opts in to record values.</remarks>
    [LoggerMessage(EventId = 2002, EventName = "RecordIgnored", Level = LogLevel.Information,
        Message = "Record {Position} of batch {BatchNumber}, run {RunId} (link {LinkId}, tenant {Tenant}) ignored by {Step}; key {RecordKey}: {Reason}; request {RequestId}")]
    public static partial void RecordIgnored(ILogger logger, int position, int batchNumber, long runId, string linkId, string tenant, string? step,
        string? recordKey, string? reason, string? requestId);

    /// <remarks><paramref name="recordKey"/> and <paramref name="warningMessage"/> are null unless the link opts in to record values.</remarks>
    [LoggerMessage(EventId = 2003, EventName = "RecordWarning", Level = LogLevel.Information,
        Message = "Record {Position} of batch {BatchNumber}, run {RunId} (link {LinkId}, tenant {Tenant}): warning {WarningCode} at {Step}, field {Field}; key {RecordKey}: {WarningMessage}; request {RequestId}")]
    public static partial void RecordWarning(ILogger logger, int position, int batchNumber, long runId, string linkId, string tenant, string warningCode,
        string step, string? field, string? recordKey, string? warningMessage, string? requestId);

    [LoggerMessage(EventId = 3001, EventName = "LinkDeactivated", Level = LogLevel.Warning,
        Message = "Link {LinkId} (tenant {Tenant}) deactivated by {By} after run {RunId}: {Reason}")]
    public static partial void LinkDeactivated(ILogger logger, string linkId, string tenant, string by, long? runId, string reason);

    [LoggerMessage(EventId = 3002, EventName = "LinkReactivated", Level = LogLevel.Information,
        Message = "Link {LinkId} (tenant {Tenant}) reactivated by {By}")]
    public static partial void LinkReactivated(ILogger logger, string linkId, string tenant, string by);

    [LoggerMessage(EventId = 3003, EventName = "IncompleteParked", Level = LogLevel.Warning,
        Message = "The remainder of run {RunId} (link {LinkId}, tenant {Tenant}) is incomplete run {IncompleteId}, {IncompleteStatus}: {ErrorType} {Durability} {ErrorCode}; next attempt {NextAttemptAt:O}, after {Attempts} attempts; request {RequestId}")]
    public static partial void IncompleteParked(ILogger logger, long runId, string linkId, string tenant, long incompleteId, string incompleteStatus,
        string errorType, string durability, string errorCode, DateTimeOffset? nextAttemptAt, int attempts, string? requestId);

    [LoggerMessage(EventId = 3004, EventName = "IncompleteResumed", Level = LogLevel.Information,
        Message = "Incomplete run {IncompleteId} (link {LinkId}, tenant {Tenant}) resumed by run {RunId}, which ended {Status}")]
    public static partial void IncompleteResumed(ILogger logger, long incompleteId, string linkId, string tenant, long runId, string status);

    [LoggerMessage(EventId = 3005, EventName = "IncompleteDiscarded", Level = LogLevel.Information,
        Message = "Incomplete run {IncompleteId} of run {RunId} (link {LinkId}, tenant {Tenant}) discarded: {Reason}")]
    public static partial void IncompleteDiscarded(ILogger logger, long incompleteId, long runId, string linkId, string tenant, string reason);

    [LoggerMessage(EventId = 4001, EventName = "AlertQueued", Level = LogLevel.Warning,
        Message = "Alert {AlertKind} for link {LinkId} (tenant {Tenant}), run {RunId}, request {RequestId}: {AlertMessage} ({Routes} route(s) to deliver to)")]
    public static partial void AlertQueued(ILogger logger, string alertKind, string linkId, string tenant, long? runId, string? requestId, string alertMessage, int routes);

    [LoggerMessage(EventId = 4002, EventName = "AlertDeliveryFailed", Level = LogLevel.Warning,
        Message = "Alert delivery {DeliveryId} ({AlertKind}) to route {RouteId} '{Route}' failed at attempt {Attempt}: {ErrorMessage} {Hint} Next attempt at {NextAttemptAt:O}.")]
    public static partial void AlertDeliveryFailed(ILogger logger, long deliveryId, string alertKind, long routeId, string route, int attempt, string errorMessage,
        string? hint, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 4003, EventName = "AlertDeliveryGivenUp", Level = LogLevel.Error,
        Message = "Alert delivery {DeliveryId} ({AlertKind}) to route {RouteId} '{Route}' failed at attempt {Attempt}: {ErrorMessage} {Hint} Given up: that was the last attempt.")]
    public static partial void AlertDeliveryGivenUp(ILogger logger, long deliveryId, string alertKind, long routeId, string route, int attempt, string errorMessage, string? hint);

    [LoggerMessage(EventId = 4004, EventName = "AlertNotStored", Level = LogLevel.Error,
        Message = "Alert {AlertKind} for link {LinkId} could not be stored in the outbox; it is only in the run's history")]
    public static partial void AlertNotStored(ILogger logger, Exception exception, string alertKind, string linkId);

    [LoggerMessage(EventId = 4005, EventName = "AlertOutboxFailed", Level = LogLevel.Error, Message = "The alert outbox could not be read; trying again shortly")]
    public static partial void AlertOutboxFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4006, EventName = "AlertDelivered", Level = LogLevel.Information,
        Message = "Alert delivery {DeliveryId} ({AlertKind}) to route {RouteId} '{Route}' delivered at attempt {Attempt}: HTTP {StatusCode}")]
    public static partial void AlertDelivered(ILogger logger, long deliveryId, string alertKind, long routeId, string route, int attempt, int? statusCode);
}
