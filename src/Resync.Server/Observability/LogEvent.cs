namespace Resync.Server.Observability;

/// <summary>One log event as the buffered sinks hold it: copied out of the logger call, so that it outlives the caller's state.</summary>
/// <param name="Fields">The structured fields (the message template's values), without <c>{OriginalFormat}</c>.</param>
public sealed record LogEvent(DateTimeOffset Timestamp, LogLevel Level, string Category, int EventId, string? EventName, string Message, string? Exception,
    IReadOnlyList<KeyValuePair<string, object?>> Fields);
