using OpenTelemetry;

namespace Resync.Server.Observability;

/// <summary>
/// The log sinks and the OTLP export of a one-off process (<c>resync run</c>), from the same configuration as the server
/// (<c>appsettings.json</c> in the current folder, then the environment: <c>Logging__File__Path</c>,
/// <c>Logging__Intake__Url</c>, <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>…), so that a one-off run's events and spans reach the
/// same places. Disposing it flushes what is still buffered.
/// </summary>
public sealed class ProcessTelemetry : IAsyncDisposable
{
    private readonly IHost _host;

    private ProcessTelemetry(IHost host, ILogger events)
    {
        _host = host;
        Events = events;
    }

    /// <summary>Where the run's catalogue events go.</summary>
    public ILogger Events { get; }

    /// <summary>The configuration a one-off process reads: <c>appsettings.json</c> (if any) in the current folder, then the environment.</summary>
    public static IConfiguration Configuration() =>
        new ConfigurationBuilder().AddJsonFile(Path.GetFullPath("appsettings.json"), optional: true).AddEnvironmentVariables().Build();

    /// <summary>
    /// Starts the configured sinks and exports, and those of the link's <c>logging</c> section; null when there is none
    /// (nothing to start, nothing to slow down).
    /// </summary>
    public static async Task<ProcessTelemetry?> StartAsync(IConfiguration configuration, CancellationToken cancellationToken, Core.Links.Link? link = null)
    {
        if (JsonFileSinkOptions.Read(configuration).Path is null && HttpIntakeSinkOptions.Read(configuration).Url is null
            && !ObservabilityExtensions.OtlpConfigured(configuration) && link?.Logging is null)
            return null;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Information).AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddResyncLogSinks(builder.Configuration);
        if (link?.Logging is not null)
        {
            // The person's own process reaches what its links reach (unrestricted, as its connectors do).
            builder.Services.AddSingleton<ILoggerProvider>(_ =>
            {
                var sinks = new TenantLogSinks(Connectors.Network.OutboundNetworkPolicy.Unrestricted, TimeProvider.System);
                sinks.Apply([link]);
                return sinks;
            });
        }
        ObservabilityExtensions.AddOtlp((OpenTelemetryBuilder)builder.Services.AddOpenTelemetry(), builder.Configuration);
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new ProcessTelemetry(host, host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Resync.Cli.Run"));
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
    }
}
