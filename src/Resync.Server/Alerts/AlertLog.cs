namespace Resync.Server.Alerts;

/// <summary>The alert log lines, with stable event ids. Alert messages carry no record values.</summary>
internal static partial class AlertLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "Alert {Kind} for link {LinkId} (tenant {Tenant}), run {RunId}, request {RequestId}: {Message} ({Routes} route(s) to deliver to)")]
    public static partial void Raised(ILogger logger, string kind, string linkId, string tenant, long? runId, string? requestId, string message, int routes);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning,
        Message = "Alert delivery {DeliveryId} ({Kind}) to route {RouteId} '{Route}' failed at attempt {Attempt}: {Error} {Hint} Next attempt at {NextAttemptAt:O}.")]
    public static partial void DeliveryFailed(ILogger logger, long deliveryId, string kind, long routeId, string route, int attempt, string error, string? hint,
        DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error,
        Message = "Alert delivery {DeliveryId} ({Kind}) to route {RouteId} '{Route}' failed at attempt {Attempt}: {Error} {Hint} Given up: that was the last attempt.")]
    public static partial void DeliveryGivenUp(ILogger logger, long deliveryId, string kind, long routeId, string route, int attempt, string error, string? hint);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Alert {Kind} for link {LinkId} could not be stored in the outbox; it is only in the run's history")]
    public static partial void NotStored(ILogger logger, Exception exception, string kind, string linkId);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "The alert outbox could not be read; trying again shortly")]
    public static partial void OutboxFailed(ILogger logger, Exception exception);
}
