using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Resync.Testing;

/// <summary>A logger that keeps every event with its id, name, level and structured fields, for tests of the event catalogue.</summary>
public sealed class CollectedEvents : ILogger
{
    private readonly ConcurrentQueue<CollectedEvent> _events = new();

    public IReadOnlyList<CollectedEvent> All => [.. _events];

    /// <summary>The events with this name, in the order they were written.</summary>
    public IReadOnlyList<CollectedEvent> Named(string name) => [.. _events.Where(e => e.Name == name)];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var fields = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
        _events.Enqueue(new CollectedEvent(eventId.Id, eventId.Name ?? "", logLevel,
            fields.Where(f => f.Key != "{OriginalFormat}").ToDictionary(f => f.Key, f => f.Value), formatter(state, exception)));
    }
}

/// <summary>One event a <see cref="CollectedEvents"/> kept.</summary>
public sealed record CollectedEvent(int Id, string Name, LogLevel Level, IReadOnlyDictionary<string, object?> Fields, string Message)
{
    public object? this[string field] => Fields[field];
}
