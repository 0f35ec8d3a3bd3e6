using System.Net;
using System.Text;
using System.Text.Json;

namespace Resync.Server.Observability;

/// <summary>
/// Posts batches of log events (at the levels of <c>Logging:Intake:LogLevel</c>, else <c>Logging:LogLevel</c>) as a JSON
/// array in the shape common log intakes take (Datadog's: <c>ddsource</c>, <c>service</c>, <c>hostname</c>,
/// <c>status</c>, <c>message</c>, and the event's fields under <c>resync</c>), through the outbound network policy. While
/// the intake is down (a connection error, 408, 429 or 5xx) the batch is posted again with a growing delay and new events
/// wait in the bounded buffer; what does not fit is dropped and counted. An intake that refuses a batch for good (another
/// 4xx: a wrong key, a batch too large) loses that batch, counted the same way.
/// </summary>
[ProviderAlias("Intake")]
public sealed class HttpIntakeLogSink : BufferedLogSink
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(1);
    private readonly HttpIntakeSinkOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _flushing = new();
    private readonly string _host = Environment.MachineName;

    /// <param name="tenant">The tenant of a link's own intake (its events only), or null for the host's.</param>
    public HttpIntakeLogSink(HttpIntakeSinkOptions options, HttpMessageHandler handler, TimeProvider clock, string? tenant = null)
        : base("intake", options.BufferSize, clock, tenant)
    {
        _options = options;
        _clock = clock;
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        Start();
    }

    /// <summary>Batches posted that the intake refused or did not answer (each posted again later), since the start.</summary>
    public long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    private long _failedAttempts;

    protected override async Task WriteAsync(IReadOnlyList<LogEvent> batch)
    {
        var body = Serialize(batch);
        var delay = _options.RetryDelay;
        while (true)
        {
            var retry = await PostAsync(body);
            if (retry is null)
                return;
            Interlocked.Increment(ref _failedAttempts);
            if (!retry.Value || _stopping.IsCancellationRequested)
                throw new HttpRequestException("The intake refused the batch.");
            // At shutdown the intake is tried again at once (and every 50 ms) until the stop's deadline, not after the grown delay.
            if (_flushing.IsCancellationRequested)
                await Task.Delay(TimeSpan.FromMilliseconds(50), _clock, _stopping.Token).ContinueWith(static _ => { }, TaskScheduler.Default);
            else
                await Task.Delay(delay, _clock, _flushing.Token).ContinueWith(static _ => { }, TaskScheduler.Default);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    /// <summary>Null when the intake took the batch; otherwise whether it is worth posting again.</summary>
    private async Task<bool?> PostAsync(byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in _options.Headers)
            request.Headers.TryAddWithoutValidation(name, value);
        if (_options.ApiKey is { } key)
            request.Headers.TryAddWithoutValidation(_options.ApiKeyHeader, key);
        try
        {
            using var response = await _http.SendAsync(request, _stopping.Token);
            if (response.IsSuccessStatusCode)
                return null;
            var status = response.StatusCode;
            return status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;
        }
        catch (HttpRequestException exception) when (exception.InnerException is Core.Errors.OutboundAddressRefusedException)
        {
            // The network policy refuses the intake's address: posting again cannot help, and would hold up the buffer.
            return false;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return true;
        }
    }

    private byte[] Serialize(IReadOnlyList<LogEvent> batch)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var entry in batch)
            {
                writer.WriteStartObject();
                writer.WriteString("ddsource", "resync");
                writer.WriteString("service", _options.Service);
                writer.WriteString("hostname", _host);
                writer.WriteString("status", Status(entry.Level));
                writer.WriteString("message", entry.Message);
                writer.WriteString("timestamp", entry.Timestamp.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                writer.WriteString("logger.name", entry.Category);
                writer.WriteNumber("evt.id", entry.EventId);
                writer.WriteString("evt.name", entry.EventName);
                if (entry.Exception is not null)
                    writer.WriteString("error.stack", entry.Exception);
                writer.WriteStartObject("resync");
                LogEventJson.WriteFields(writer, entry.Fields);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return buffer.ToArray();
    }

    private static string Status(LogLevel level) => level switch
    {
        LogLevel.Critical => "critical",
        LogLevel.Error => "error",
        LogLevel.Warning => "warn",
        LogLevel.Information => "info",
        _ => "debug",
    };

    protected override void Dispose(bool disposing)
    {
        // The buffer is flushed first (a few seconds at most); an intake still down then stops being waited for.
        if (disposing)
        {
            _flushing.Cancel();
            _stopping.CancelAfter(TimeSpan.FromSeconds(5));
        }
        base.Dispose(disposing);
        if (disposing)
        {
            _http.Dispose();
            _stopping.Dispose();
            _flushing.Dispose();
        }
    }
}
