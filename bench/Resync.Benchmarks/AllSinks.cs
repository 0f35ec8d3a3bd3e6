using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Resync.Connectors.Network;
using Resync.Core.Observability;
using Resync.Server.Observability;
using Resync.Testing;

namespace Resync.Benchmarks;

/// <summary>
/// Every sink on at once, for the engine benchmark's "all sinks on" rows: the events into a JSON-lines file and to an HTTP
/// intake on loopback (which takes every batch, or, <c>intakeDown</c>, refuses every one with 503), the same pair again as
/// a link's own sinks (<c>logging:</c>, routed by tenant), every span of the Resync source recorded, every instrument of
/// the meter listened to.
/// </summary>
internal sealed class AllSinks : IAsyncDisposable
{
    private readonly WebApplication _intake;
    private readonly ILoggerFactory _loggers;
    private readonly ActivityListener _spans;
    private readonly MeterListener _metrics;
    private readonly TempDirectory _folder;

    private AllSinks(WebApplication intake, ILoggerFactory loggers, ActivityListener spans, MeterListener metrics, TempDirectory folder)
    {
        (_intake, _loggers, _spans, _metrics, _folder) = (intake, loggers, spans, metrics, folder);
        Events = loggers.CreateLogger("Resync.Benchmarks");
    }

    public ILogger Events { get; }

    /// <param name="tenant">The tenant of the link run: its own sinks receive its events.</param>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification =
        "The logger factory and listeners go to the AllSinks returned, which disposes them; a benchmark whose setup fails ends its process.")]
    public static async Task<AllSinks> StartAsync(string tenant, bool intakeDown = false)
    {
        var intake = LoopbackWebApp.CreateBuilder().Build();
        intake.MapPost("/logs", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            return intakeDown ? Results.StatusCode(503) : Results.Accepted();
        });
        var url = await LoopbackWebApp.StartAsync(intake) + "/logs";

        var folder = new TempDirectory("resync-bench-sinks");
        var loggers = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Information)
            .AddProvider(new JsonFileLogSink(new JsonFileSinkOptions { Path = folder.Combine("events.jsonl") }, TimeProvider.System))
            .AddProvider(new HttpIntakeLogSink(new HttpIntakeSinkOptions { Url = new Uri(url) }, OutboundNetworkPolicy.Unrestricted.CreateHandler(), TimeProvider.System))
            .AddProvider(LinkSinks(tenant, url, folder.Combine("link-events.jsonl"))));
        var spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ResyncTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(spans);
        var metrics = new MeterListener { InstrumentPublished = (instrument, listener) => { if (instrument.Meter.Name == ResyncMetrics.MeterName) listener.EnableMeasurementEvents(instrument); } };
        metrics.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
        metrics.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
        metrics.Start();
        return new AllSinks(intake, loggers, spans, metrics, folder);
    }

    private static TenantLogSinks LinkSinks(string tenant, string url, string path)
    {
        var sinks = new TenantLogSinks(OutboundNetworkPolicy.Unrestricted, TimeProvider.System);
        var link = new Core.Links.Link("bench-logged", new GeneratingSource(1, 1), [], new NoOpTarget(), tenant: tenant)
        {
            Logging = new LinkLogging { Intake = new LinkIntakeSink(new Uri(url)), File = new LinkFileSink(path) },
        };
        sinks.Apply([link]);
        return sinks;
    }

    public async ValueTask DisposeAsync()
    {
        _loggers.Dispose();
        _spans.Dispose();
        _metrics.Dispose();
        await _intake.StopAsync();
        await _intake.DisposeAsync();
        _folder.Dispose();
    }
}
