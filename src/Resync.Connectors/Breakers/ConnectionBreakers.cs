using System.Collections.Concurrent;
using Polly;
using Polly.CircuitBreaker;
using Resync.Core.Errors;

namespace Resync.Connectors.Breakers;

/// <summary>
/// A circuit breaker per connection (an HTTP host and port) and tenant, shared by every link of the tenant whose connectors the
/// catalog built (not across tenants: a tenant could otherwise open another's breaker with calls made to fail, e.g. a tiny timeout):
/// after <see cref="ConnectionBreakerOptions.FailureRatio"/> of the calls within the window failed with connection errors,
/// calls fail fast with a Connection error (<c>CIRCUIT_OPEN</c>) for the cool-down, so runs back off instead of each
/// hammering a dead server; then one probe call closes it again (or opens it for another cool-down). Polly's breaker,
/// on the host's clock.
/// </summary>
public sealed class ConnectionBreakers
{
    private readonly ConcurrentDictionary<(string Tenant, string Connection), Breaker> _breakers = new();
    private readonly TimeProvider _clock;

    public ConnectionBreakers(TimeProvider clock, ConnectionBreakerOptions? options = null)
    {
        Options = options ?? new ConnectionBreakerOptions();
        var problems = Options.Validate();
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems.Select(p => p.Problem)), nameof(options));
        _clock = clock;
    }

    public ConnectionBreakerOptions Options { get; }

    /// <summary>Every connection called so far, with its breaker's state.</summary>
    public IReadOnlyList<ConnectionBreakerState> States =>
        [.. _breakers.OrderBy(entry => entry.Key.Tenant, StringComparer.Ordinal).ThenBy(entry => entry.Key.Connection, StringComparer.Ordinal)
            .Select(entry => entry.Value.State(entry.Key.Tenant, entry.Key.Connection))];

    /// <summary>The connection a URL calls: its scheme, host and port.</summary>
    public static string ConnectionOf(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Host}:{uri.Port}".ToLowerInvariant() : url;

    /// <summary>Runs one call of <paramref name="tenant"/> to <paramref name="url"/> through the tenant's breaker of the connection.</summary>
    /// <exception cref="ResyncException">The breaker is open: a Connection error with code <c>CIRCUIT_OPEN</c>, without calling.</exception>
    internal async ValueTask<T> CallAsync<T>(string tenant, string url, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        var connection = ConnectionOf(url);
        var breaker = _breakers.GetOrAdd((tenant, connection), _ => new Breaker(Options, _clock));
        try
        {
            return await breaker.Pipeline.ExecuteAsync(static (state, token) => state(token), call, cancellationToken);
        }
        catch (BrokenCircuitException exception)
        {
            throw new ResyncException(new ErrorClassification(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.CircuitOpen,
                $"{connection} is failing: calls to it are held for {Options.CoolDown.TotalSeconds:0}s after too many connection errors, then one probe call is let through",
                "The server is down or unreachable; the link backs off and tries again. resync breakers shows the state."), exception);
        }
    }

    private sealed class Breaker
    {
        private readonly CircuitBreakerStateProvider _state = new();
        private readonly TimeProvider _clock;
        private DateTimeOffset? _openedAt;

        public Breaker(ConnectionBreakerOptions options, TimeProvider clock)
        {
            _clock = clock;
            Pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions
                {
                    FailureRatio = options.FailureRatio,
                    MinimumThroughput = options.MinimumCalls,
                    SamplingDuration = options.SamplingWindow,
                    BreakDuration = options.CoolDown,
                    StateProvider = _state,
                    // Only a dead or unreachable server counts: a refused record or a bad answer says the server is there.
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is ResyncException { Classification.Type: ErrorType.Connection }),
                    OnOpened = _ =>
                    {
                        _openedAt = _clock.GetUtcNow();
                        return ValueTask.CompletedTask;
                    },
                })
                .Build();
        }

        public ResiliencePipeline Pipeline { get; }

        public ConnectionBreakerState State(string tenant, string connection) => new(tenant, connection, _state.CircuitState switch
        {
            CircuitState.Closed => "closed",
            CircuitState.Open => "open",
            CircuitState.HalfOpen => "half-open",
            _ => "isolated",
        }, _openedAt);
    }
}
