namespace Resync.Server.Observability;

/// <summary>
/// Wires the event catalogue's sinks, metrics and health checks into a host from its configuration: one call in the
/// server's composition (and in <c>resync run</c>), so that what is observed is the same wherever a run happens.
/// </summary>
public static class ObservabilityExtensions
{
    /// <summary>The server's observability: its log sinks (metrics and health checks join here).</summary>
    public static WebApplicationBuilder AddResyncObservability(this WebApplicationBuilder builder)
    {
        builder.Logging.AddResyncLogSinks(builder.Configuration);
        return builder;
    }

    /// <summary>
    /// Adds the log sinks configured under <c>Logging</c>: the JSON-lines file (<c>Logging:File:Path</c>). The console's
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
        return logging;
    }
}
