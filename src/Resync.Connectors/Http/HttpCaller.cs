using System.Net;
using System.Net.Http.Headers;
using Resync.Connectors.Retry;
using Resync.Core.Errors;

namespace Resync.Connectors.Http;

/// <summary>
/// Makes one HTTP call of a connector: credentials, per-attempt timeout, and the retry every connector call goes
/// through (<see cref="CallPipeline"/>) of ephemeral failures — transport errors, 408/429/5xx answers, and whatever the
/// interpreter classifies as ephemeral — honouring <c>Retry-After</c>. Every failure leaves as a
/// <see cref="ResyncException"/> whose classification comes from <see cref="ErrorClassifier"/>.
/// Delays and the per-attempt timeout run on the caller's <see cref="TimeProvider"/> (the system clock in production), so
/// that a test decides when a call times out instead of a busy machine.
/// </summary>
internal sealed class HttpCaller : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private readonly HttpClient _client;
    private readonly HttpCallSettings _settings;
    private readonly CallPipeline _pipeline;

    public HttpCaller(HttpCallSettings settings)
    {
        _settings = settings;
        _pipeline = new CallPipeline(new CallRetry { Attempts = settings.RetryAttempts, Delay = settings.RetryDelay, MaxRetryAfter = settings.MaxRetryAfter },
            ErrorClassifier.Default);
        _client = new HttpClient(settings.Network.CreateHandler())
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
    }

    public HttpCallSettings Settings => _settings;

    /// <summary>
    /// Sends the request (again, for ephemeral failures) until an attempt succeeds: a 2xx answer that
    /// <paramref name="interpret"/> accepts. A non-2xx answer throws a classified <see cref="ResyncException"/>
    /// carrying the body's message; <paramref name="interpret"/> may throw one too (e.g. not JSON).
    /// </summary>
    /// <remarks><paramref name="headers"/> are sent with every attempt of this call (e.g. its idempotency key).</remarks>
    public Task<T> SendAsync<T>(HttpMethod method, string url, ReadOnlyMemory<byte>? body, Func<HttpAnswer, T> interpret, TimeProvider clock, CancellationToken cancellationToken,
        IReadOnlyList<KeyValuePair<string, string>>? headers = null) =>
        _pipeline.ExecuteAsync(async (_, token) => _settings.Breakers is { } breakers
            ? await breakers.CallAsync(_settings.BreakerScope, url, callToken => AttemptAsync(method, url, body, interpret, clock, headers, callToken), token)
            : await AttemptAsync(method, url, body, interpret, clock, headers, token), cancellationToken, clock);

    public void Dispose() => _client.Dispose();

    private async ValueTask<T> AttemptAsync<T>(HttpMethod method, string url, ReadOnlyMemory<byte>? body, Func<HttpAnswer, T> interpret, TimeProvider clock,
        IReadOnlyList<KeyValuePair<string, string>>? headers, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_settings.Timeout, clock);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var request = new HttpRequestMessage(method, _settings.Auth.ApplyToUrl(url));
        foreach (var (name, value) in _settings.Headers)
            request.Headers.TryAddWithoutValidation(name, value);
        foreach (var (name, value) in headers ?? [])
            request.Headers.TryAddWithoutValidation(name, value);
        _settings.Auth.ApplyTo(request);
        if (body is { } content)
            request.Content = new ReadOnlyMemoryContent(content) { Headers = { ContentType = Json } };

        HttpAnswer answer;
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            answer = await HttpAnswer.ReadAsync(response, clock, timeout.Token);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ResyncException(new ErrorClassification(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.Timeout,
                $"{method} {url} did not answer within {Format(_settings.Timeout)}",
                "The server is slow or unreachable; it is retried. Raise the connector's timeout if it is just slow."), exception);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException)
        {
            var classification = ErrorClassifier.Default.Classify(exception);
            throw new ResyncException(classification with { Message = $"{method} {url}: {classification.Message}" }, exception);
        }

        using (answer)
        {
            if (!answer.IsSuccess)
            {
                var detail = $"{JsonRecords.ErrorMessage(answer)} ({method} {url})";
                throw new ResyncException(ErrorClassifier.Default.ClassifyHttpStatus(answer.Status, detail, answer.RetryAfter));
            }
            return interpret(answer);
        }
    }

    private static string Format(TimeSpan span) => span.TotalSeconds >= 1 && span.Milliseconds == 0 ? $"{span.TotalSeconds:0}s" : $"{span.TotalMilliseconds:0}ms";
}
