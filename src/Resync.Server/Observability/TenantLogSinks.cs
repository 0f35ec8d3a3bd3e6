using System.Collections.Frozen;
using System.Globalization;
using Resync.Connectors.Network;
using Resync.Core.Links;
using Resync.Core.Observability;

namespace Resync.Server.Observability;

/// <summary>
/// The log sinks links add for their tenant (their files' <c>logging</c> section): one logger provider that hands each
/// event carrying a <c>Tenant</c> field to that tenant's sinks only. Sinks are made, kept or closed as links come and go
/// (<see cref="Apply"/>); two links of a tenant naming the same intake URL or file share one sink, with the settings of
/// the first by link name. Each sink is a <see cref="BufferedLogSink"/>: bounded, in the background, its drops counted.
/// </summary>
[ProviderAlias("TenantSinks")]
public sealed class TenantLogSinks(OutboundNetworkPolicy network, TimeProvider clock) : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Route> _sinks = new(StringComparer.Ordinal);
    private volatile FrozenDictionary<string, Route[]> _byTenant = FrozenDictionary<string, Route[]>.Empty;
    private bool _disposed;

    /// <summary>The sinks open now.</summary>
    public IReadOnlyList<BufferedLogSink> Sinks => [.. _byTenant.Values.SelectMany(routes => routes).Select(route => route.Sink)];

    /// <summary>Makes the sinks the links ask for, keeps those unchanged and closes the others (in the background: a close flushes).</summary>
    public void Apply(IEnumerable<Link> links)
    {
        var wanted = new Dictionary<string, (string Tenant, string Settings, LogLevel Level, Func<BufferedLogSink> Create)>(StringComparer.Ordinal);
        foreach (var link in links.Where(link => link.Logging is not null).OrderBy(link => link.Id, StringComparer.Ordinal))
        {
            var tenant = link.Tenant;
            if (link.Logging!.Intake is { } intake)
                wanted.TryAdd($"{tenant}\nintake\n{intake.Url.AbsoluteUri}", (tenant, Fingerprint(intake), intake.MinimumLevel, () => Intake(intake, tenant)));
            if (link.Logging.File is { } file)
                wanted.TryAdd($"{tenant}\nfile\n{file.Path}", (tenant, Fingerprint(file), file.MinimumLevel, () => File(file, tenant)));
        }
        var closed = new List<BufferedLogSink>();
        lock (_gate)
        {
            if (_disposed)
                return;
            foreach (var (key, route) in _sinks.ToList())
            {
                if (wanted.TryGetValue(key, out var want) && want.Settings == route.Settings)
                    continue;
                _sinks.Remove(key);
                closed.Add(route.Sink);
            }
            foreach (var (key, want) in wanted.Where(pair => !_sinks.ContainsKey(pair.Key)))
                _sinks[key] = new Route(want.Create(), want.Settings, want.Level);
            _byTenant = _sinks.Values.GroupBy(route => route.Sink.Tenant!, StringComparer.Ordinal)
                .ToFrozenDictionary(group => group.Key, group => group.ToArray(), StringComparer.Ordinal);
        }
        if (closed.Count > 0)
            _ = Task.Run(() => closed.ForEach(sink => sink.Dispose()));
    }

    public ILogger CreateLogger(string categoryName) => new TenantRouter(this, categoryName);

    public void Dispose()
    {
        List<BufferedLogSink> open;
        lock (_gate)
        {
            _disposed = true;
            open = [.. _sinks.Values.Select(route => route.Sink)];
            _sinks.Clear();
            _byTenant = FrozenDictionary<string, Route[]>.Empty;
        }
        open.ForEach(sink => sink.Dispose());
    }

    private HttpIntakeLogSink Intake(LinkIntakeSink intake, string tenant) =>
        new(new HttpIntakeSinkOptions { Url = intake.Url, Headers = intake.Headers, Service = intake.Service, BufferSize = intake.BufferSize },
            network.CreateHandler(), clock, tenant);

    private JsonFileLogSink File(LinkFileSink file, string tenant) =>
        new(new JsonFileSinkOptions { Path = file.Path, MaxBytes = file.MaxBytes, MaxFiles = file.MaxFiles, BufferSize = file.BufferSize, CheckBeforeOpen = file.CheckBeforeOpen },
            clock, tenant);

    /// <summary>Everything that makes two intakes different sinks: an edited link gets a new sink, an unchanged one keeps its own.</summary>
    private static string Fingerprint(LinkIntakeSink intake) => string.Join('\n',
        [intake.Url.AbsoluteUri, intake.Service, intake.MinimumLevel.ToString(), intake.BufferSize.ToString(CultureInfo.InvariantCulture),
            .. intake.Headers.OrderBy(header => header.Key, StringComparer.OrdinalIgnoreCase).Select(header => $"{header.Key}:{header.Value}")]);

    private static string Fingerprint(LinkFileSink file) => string.Join('\n',
        file.Path, file.MaxBytes.ToString(CultureInfo.InvariantCulture), file.MaxFiles.ToString(CultureInfo.InvariantCulture), file.MinimumLevel.ToString(),
        file.BufferSize.ToString(CultureInfo.InvariantCulture));

    private sealed record Route(BufferedLogSink Sink, string Settings, LogLevel Level);

    private sealed class TenantRouter(TenantLogSinks sinks, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        // Without a link's sink (the usual case) nothing is even formatted.
        public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Information and < LogLevel.None && sinks._byTenant.Count > 0;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || state is not IReadOnlyList<KeyValuePair<string, object?>> fields)
                return;
            string? tenant = null;
            foreach (var field in fields)
            {
                if (field.Key == "Tenant")
                {
                    tenant = field.Value as string;
                    break;
                }
            }
            if (tenant is null || !sinks._byTenant.TryGetValue(tenant, out var routes))
                return;
            LogEvent? captured = null;
            foreach (var route in routes)
            {
                if (logLevel >= route.Level)
                    route.Sink.Enqueue(captured ??= LogEvent.Capture(sinks.Clock, logLevel, category, eventId, state, exception, formatter));
            }
        }
    }

    private TimeProvider Clock => clock;
}
