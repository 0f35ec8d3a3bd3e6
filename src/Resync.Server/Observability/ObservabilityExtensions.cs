using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Resync.Core.Observability;
using Resync.Server.Auth;

namespace Resync.Server.Observability;

/// <summary>
/// Wires the event catalogue's sinks, metrics and health checks into a host from its configuration: one call in the
/// server's composition (and in <c>resync run</c>), so that what is observed is the same wherever a run happens.
/// </summary>
public static class ObservabilityExtensions
{
    /// <summary>The path Prometheus scrapes.</summary>
    public const string MetricsPath = "/metrics";

    private const string Ready = "ready";

    /// <summary>
    /// The server's observability: its log sinks, its metrics (Resync's meter and ASP.NET Core's request metrics) and its
    /// readiness checks.
    /// </summary>
    public static WebApplicationBuilder AddResyncObservability(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<StateStoreHealthCheck>("state-store", tags: [Ready])
            .AddCheck<SchedulerHealthCheck>("scheduler", tags: [Ready])
            .AddCheck<AlertOutboxHealthCheck>("alert-outbox", tags: [Ready])
            .AddCheck<LogSinksHealthCheck>("log-sinks", tags: [Ready])
            .AddCheck<BreakersHealthCheck>("breakers", tags: [Ready]);
        builder.Logging.AddResyncLogSinks(builder.Configuration);
        // The links' own sinks, through the server's network policy; the links are handed over as they come and go.
        builder.Services.AddSingleton(services => new TenantLogSinks(services.GetRequiredService<ServerOptions>().NetworkPolicy(),
            services.GetService<TimeProvider>() ?? TimeProvider.System));
        builder.Services.AddSingleton<ILoggerProvider>(services => services.GetRequiredService<TenantLogSinks>());
        builder.Services.AddHostedService<TenantLogSinkRouting>();
        builder.Services.AddHostedService<OpenIncompleteGauge>();
        var telemetry = builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ResyncMetrics.MeterName, "Microsoft.AspNetCore.Hosting")
            // A scrape answers what is counted now: a cached answer would lag behind the runs.
            .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        AddOtlp(telemetry, builder.Configuration);
        return builder;
    }

    /// <summary>
    /// With an OTLP endpoint configured (the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>
    /// <c>grpc</c> or <c>http/protobuf</c>, <c>OTEL_SERVICE_NAME</c>… from the environment or the configuration), exports the
    /// run and batch spans (in the trace of the request that started the run), the log events and the metrics. Without
    /// one, no span is even made.
    /// </summary>
    public static IOpenTelemetryBuilder AddOtlp(OpenTelemetryBuilder telemetry, IConfiguration configuration)
    {
        if (!OtlpConfigured(configuration))
            return telemetry;
        if (string.IsNullOrEmpty(configuration["OTEL_SERVICE_NAME"]))
            telemetry.ConfigureResource(resource => resource.AddService("resync"));
        return telemetry
            .WithTracing(tracing => tracing.AddSource(ResyncTracing.SourceName, "Microsoft.AspNetCore"))
            .WithLogging(_ => { }, logs => logs.IncludeFormattedMessage = true)
            .UseOtlpExporter();
    }

    /// <summary>Whether an OTLP endpoint is set, for every signal or for one.</summary>
    public static bool OtlpConfigured(IConfiguration configuration) =>
        new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT" }
            .Any(key => !string.IsNullOrEmpty(configuration[key]));

    /// <summary>
    /// Serves the health checks (<c>/health/live</c>, <c>/health/ready</c>, <c>/health</c>) to anyone, and <c>/metrics</c> (Prometheus text) to operator keys only: its labels name every tenant and link, which a tenant's
    /// key, or someone without a key, must not learn.
    /// </summary>
    public static WebApplication MapResyncObservability(this WebApplication app)
    {
        // Live: the process answers. Ready (and /health, as before): it can do its work. Degraded answers 200, Unhealthy 503.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthAnswer.WriteAsync }).WithTags("Health");
        var ready = new HealthCheckOptions { Predicate = check => check.Tags.Contains(Ready), ResponseWriter = HealthAnswer.WriteAsync };
        app.MapHealthChecks("/health/ready", ready).WithTags("Health");
        app.MapHealthChecks("/health", ready).WithTags("Health");
        app.MapPrometheusScrapingEndpoint(MetricsPath)
            .RequireAuthorization(Auth.ResyncAuthentication.ApiPolicy)
            .RequireAuthorization(Auth.ResyncAuthentication.OperatorOnly("route", _ => MetricsPath));
        return app;
    }

    /// <summary>
    /// Adds the log sinks configured under <c>Logging</c>: the JSON-lines file (<c>Logging:File:Path</c>) and the HTTP intake
    /// (<c>Logging:Intake:Url</c>). The console's
    /// JSON lines are the console provider's own (<c>Logging:Console:FormatterName=json</c>).
    /// </summary>
    public static ILoggingBuilder AddResyncLogSinks(this ILoggingBuilder logging, IConfiguration configuration)
    {
        var file = JsonFileSinkOptions.Read(configuration);
        if (file.Path is not null)
        {
            logging.Services.AddSingleton(services => new JsonFileLogSink(file, services.GetService<TimeProvider>() ?? TimeProvider.System));
            logging.Services.AddSingleton<ILoggerProvider>(services => services.GetRequiredService<JsonFileLogSink>());
            logging.Services.AddSingleton<BufferedLogSink>(services => services.GetRequiredService<JsonFileLogSink>());
        }
        var intake = HttpIntakeSinkOptions.Read(configuration);
        if (intake.Url is not null)
        {
            // Through the outbound network policy, like webhooks: an intake URL cannot reach what a link may not.
            logging.Services.AddSingleton(services => new HttpIntakeLogSink(intake,
                // (Without the server, in resync run, the operator's own process reaches what its links reach: unrestricted.)
                (services.GetService<ServerOptions>()?.NetworkPolicy() ?? Connectors.Network.OutboundNetworkPolicy.Unrestricted).CreateHandler(),
                services.GetService<TimeProvider>() ?? TimeProvider.System));
            logging.Services.AddSingleton<ILoggerProvider>(services => services.GetRequiredService<HttpIntakeLogSink>());
            logging.Services.AddSingleton<BufferedLogSink>(services => services.GetRequiredService<HttpIntakeLogSink>());
        }
        return logging;
    }
}
