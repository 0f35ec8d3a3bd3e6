namespace Resync.Server.Observability;

/// <summary>One log event as the buffered sinks hold it: copied out of the logger call, so that it outlives the caller's state.</summary>
/// <param name="Fields">The structured fields (the message template's values), without <c>{OriginalFormat}</c>.</param>
public sealed record LogEvent(DateTimeOffset Timestamp, LogLevel Level, string Category, int EventId, string? EventName, string Message, string? Exception,
    IReadOnlyList<KeyValuePair<string, object?>> Fields)
{
    /// <summary>Copies a logger call's event.</summary>
    public static LogEvent Capture<TState>(TimeProvider clock, LogLevel level, string category, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        var fields = state is IReadOnlyList<KeyValuePair<string, object?>> values
            ? values.Where(field => field.Key != "{OriginalFormat}").ToArray()
            : [];
        return new LogEvent(clock.GetUtcNow(), level, category, eventId.Id, eventId.Name, formatter(state, exception), exception?.ToString(), fields);
    }
}
