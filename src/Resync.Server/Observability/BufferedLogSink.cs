using System.Threading.Channels;

namespace Resync.Server.Observability;

/// <summary>
/// A log provider that never holds up the code that logs: events go into a bounded buffer and a background task hands them,
/// in batches, to the sink's <see cref="WriteAsync"/>. When the buffer is full (the sink is down or slow), new events are
/// dropped and counted (<see cref="Dropped"/>, visible in <c>/metrics</c> and <c>/health/ready</c>); a batch the sink
/// could not write is counted the same way.
/// </summary>
public abstract class BufferedLogSink : ILoggerProvider
{
    /// <summary>At most this many events go to the sink at once.</summary>
    protected const int MaxBatch = 500;

    private readonly Channel<LogEvent> _buffer;
    private readonly TimeProvider _clock;
    private Task _pump = Task.CompletedTask;
    private readonly KeyValuePair<string, object?>[] _droppedTags;
    private long _dropped;
    private long _written;
    private int _disposed;

    /// <param name="tenant">The tenant whose events alone the sink receives (a link's own sink), or null: the host's.</param>
    protected BufferedLogSink(string name, int capacity, TimeProvider clock, string? tenant = null)
    {
        Name = name;
        Capacity = capacity;
        Tenant = tenant;
        _clock = clock;
        _droppedTags = tenant is null ? [new("sink", name)] : [new("sink", name), new("tenant", tenant)];
        _buffer = Channel.CreateBounded<LogEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>The sink's name in metrics and health answers (<c>file</c>, <c>intake</c>).</summary>
    public string Name { get; }

    /// <summary>The tenant of a link's own sink (<see cref="TenantLogSinks"/>), or null for the host's sinks.</summary>
    public string? Tenant { get; }

    /// <summary>How many events the buffer holds at most.</summary>
    public int Capacity { get; }

    /// <summary>Events lost: dropped because the buffer was full, or in a batch the sink could not write.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events the sink wrote.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Events waiting in the buffer.</summary>
    public int Buffered => _buffer.Reader.Count;

    /// <summary>Starts the background writer; called by the subclass once it is fully constructed.</summary>
    protected void Start() => _pump = Task.Run(PumpAsync);

    /// <summary>Writes a batch; throws when it could not (the batch is then counted as dropped).</summary>
    protected abstract Task WriteAsync(IReadOnlyList<LogEvent> batch);

    public ILogger CreateLogger(string categoryName) => new SinkLogger(this, categoryName);

    internal void Enqueue(LogEvent entry)
    {
        if (!_buffer.Writer.TryWrite(entry))
            Lost(1);
    }

    private async Task PumpAsync()
    {
        var batch = new List<LogEvent>(MaxBatch);
        while (await _buffer.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _buffer.Reader.TryRead(out var entry))
                batch.Add(entry);
            try
            {
                await WriteAsync(batch);
                Interlocked.Add(ref _written, batch.Count);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // A sink must not take the process down: what it could not write is counted, never logged (that would loop).
                Lost(batch.Count);
            }
            batch.Clear();
        }
    }

    private void Lost(long count)
    {
        Interlocked.Add(ref _dropped, count);
        Core.Observability.ResyncMetrics.LogEventsDropped.Add(count, _droppedTags);
    }

    /// <summary>Stops taking events and writes what is buffered.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1063", Justification =
        "The once-only guard belongs here, before a subclass's Dispose(bool) runs: the host disposes the sink once per service it is registered as.")]
    public void Dispose()
    {
        // The host disposes the sink once per service it is registered as (provider, sink, its own type).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Flushes the buffer; a subclass closes what it holds after calling this.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
            return;
        _buffer.Writer.TryComplete();
        // A safety net against a sink that hangs: each sink bounds its own flush (the intake gives up after 5 s).
        _pump.Wait(TimeSpan.FromSeconds(30));
    }

    private sealed class SinkLogger(BufferedLogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        // Levels are filtered by the logging configuration (Logging:File:LogLevel, Logging:Intake:LogLevel).
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                sink.Enqueue(LogEvent.Capture(sink._clock, logLevel, category, eventId, state, exception, formatter));
        }
    }
}
