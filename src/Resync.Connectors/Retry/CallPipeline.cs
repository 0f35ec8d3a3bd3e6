using Polly;
using Polly.Retry;
using Resync.Core.Errors;

namespace Resync.Connectors.Retry;

/// <summary>
/// The one retry every connector call goes through (Polly): a call that fails with an error the classifier calls ephemeral is
/// made again, up to <see cref="CallRetry.Attempts"/>, after an exponential, jittered delay on the caller's
/// <see cref="TimeProvider"/> (so a test moves a manual clock instead of sleeping); a server's <c>Retry-After</c> wins over
/// the computed delay. Never retried: durable errors, an open circuit breaker (it fails fast on purpose for its cool-down:
/// retrying would only hammer it), a wait longer than <see cref="CallRetry.MaxRetryAfter"/>, a cancelled call, and an
/// attempt that said it may have committed something (<see cref="CallAttempt.Committed"/>). A call that took more than
/// one attempt fails with a <see cref="ResyncException"/> whose classification says how many.
/// </summary>
/// <remarks>
/// The retry wraps the connection's circuit breaker, never the other way round: each attempt passes the breaker, so every
/// failed attempt is counted once and an attempt refused by an open breaker ends the call at once.
/// </remarks>
internal sealed class CallPipeline
{
    private static readonly ResiliencePropertyKey<CallAttempt> AttemptKey = new("resync.call-attempt");
    private readonly ErrorClassifier _classifier;
    private volatile PipelineFor? _pipeline;

    /// <param name="retry">How often and how patiently.</param>
    /// <param name="classifier">The classifier that knows the connector's exceptions (it decides what is ephemeral).</param>
    public CallPipeline(CallRetry retry, ErrorClassifier classifier)
    {
        Retry = retry;
        _classifier = classifier;
    }

    public CallRetry Retry { get; }

    /// <summary>Makes the call, again for ephemeral failures, with delays on <paramref name="clock"/> (default: the retry's own clock).</summary>
    public async Task<T> ExecuteAsync<T>(Func<CallAttempt, CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken, TimeProvider? clock = null)
    {
        var attempt = new CallAttempt();
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(AttemptKey, attempt);
        try
        {
            return await PipelineOn(clock ?? Retry.Clock).ExecuteAsync(static async (context, state) =>
            {
                var (call, attempt) = state;
                attempt.Number++;
                return await call(attempt, context.CancellationToken);
            }, context, (call, attempt));
        }
        catch (Exception exception) when (attempt.Number > 1 && !cancellationToken.IsCancellationRequested)
        {
            var failure = _classifier.Classify(exception);
            throw new ResyncException(failure with { Message = $"{failure.Message} (after {attempt.Number} attempts)", Attempts = attempt.Number },
                exception is ResyncException ? exception.InnerException : exception);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private bool ShouldRetry(Exception? exception, ResilienceContext context)
    {
        if (exception is null || context.CancellationToken.IsCancellationRequested
            || context.Properties.TryGetValue(AttemptKey, out var attempt) && attempt.MayHaveCommitted)
            return false;
        var failure = _classifier.Classify(exception);
        return failure.IsTransient && failure.Code != ErrorCodes.CircuitOpen && (failure.RetryAfter is not { } wait || wait <= Retry.MaxRetryAfter);
    }

    private ResiliencePipeline PipelineOn(TimeProvider clock)
    {
        // One pipeline per clock: a source is given its clock with each read; in practice it is always the same one.
        if (_pipeline is { } cached && ReferenceEquals(cached.Clock, clock))
            return cached.Pipeline;
        var pipeline = Retry.Attempts <= 1
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder { TimeProvider = clock }
                .AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = Retry.Attempts - 1,
                    Delay = Retry.Delay,
                    MaxDelay = Retry.MaxDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome.Exception, args.Context)),
                    // The server's Retry-After wins over the computed backoff.
                    DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is ResyncException { Classification.RetryAfter: { } wait } ? (TimeSpan?)wait : null),
                })
                .Build();
        _pipeline = new PipelineFor(clock, pipeline);
        return pipeline;
    }

    private sealed record PipelineFor(TimeProvider Clock, ResiliencePipeline Pipeline);
}
