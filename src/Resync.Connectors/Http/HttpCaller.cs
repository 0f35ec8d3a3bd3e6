using System.Net;
using System.Net.Http.Headers;
using Polly;
using Polly.Retry;
using Resync.Core.Errors;

namespace Resync.Connectors.Http;

/// <summary>
/// Makes one HTTP call of a connector: credentials, per-attempt timeout, and a bounded, jittered retry
/// (Polly) of ephemeral failures — transport errors, 408/429/5xx answers, and whatever the interpreter
/// classifies as ephemeral — honouring <c>Retry-After</c>. Every failure leaves as a
/// <see cref="ResyncException"/> whose classification comes from <see cref="ErrorClassifier"/>.
/// Delays and the per-attempt timeout run on the caller's <see cref="TimeProvider"/> (the system clock in production), so
/// that a test decides when a call times out instead of a busy machine.
/// </summary>
internal sealed class HttpCaller : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private readonly HttpClient _client;
    private readonly HttpCallSettings _settings;
    private volatile PipelineFor? _pipeline;

    public HttpCaller(HttpCallSettings settings)
    {
        _settings = settings;
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
    public async Task<T> SendAsync<T>(HttpMethod method, string url, ReadOnlyMemory<byte>? body, Func<HttpAnswer, T> interpret, TimeProvider clock, CancellationToken cancellationToken,
        IReadOnlyList<KeyValuePair<string, string>>? headers = null)
    {
        var pipeline = PipelineOn(clock);
        var attempts = 0;
        try
        {
            return await pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                return _settings.Breakers is { } breakers
                    ? await breakers.CallAsync(_settings.BreakerScope, url, callToken => AttemptAsync(method, url, body, interpret, clock, headers, callToken), token)
                    : await AttemptAsync(method, url, body, interpret, clock, headers, token);
            }, cancellationToken);
        }
        catch (ResyncException exception) when (attempts > 1)
        {
            throw new ResyncException(exception.Classification with { Message = $"{exception.Classification.Message} (after {attempts} attempts)", Attempts = attempts }, exception.InnerException);
        }
    }

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

    private ResiliencePipeline PipelineOn(TimeProvider clock)
    {
        // One pipeline per clock: a source is given its clock with each read; in practice it is always the same one.
        if (_pipeline is { } cached && ReferenceEquals(cached.Clock, clock))
            return cached.Pipeline;
        var pipeline = _settings.RetryAttempts <= 1
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder { TimeProvider = clock }
                .AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = _settings.RetryAttempts - 1,
                    Delay = _settings.RetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    // (An open breaker is not retried: it fails fast on purpose, for its whole cool-down.)
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is ResyncException { IsTransient: true } failure
                        && failure.Classification.Code != ErrorCodes.CircuitOpen
                        && (failure.Classification.RetryAfter is not { } wait || wait <= _settings.MaxRetryAfter)),
                    // The server's Retry-After wins over the computed backoff.
                    DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is ResyncException { Classification.RetryAfter: { } wait } ? (TimeSpan?)wait : null),
                })
                .Build();
        _pipeline = new PipelineFor(clock, pipeline);
        return pipeline;
    }

    private static string Format(TimeSpan span) => span.TotalSeconds >= 1 && span.Milliseconds == 0 ? $"{span.TotalSeconds:0}s" : $"{span.TotalMilliseconds:0}ms";

    private sealed record PipelineFor(TimeProvider Clock, ResiliencePipeline Pipeline);
}
