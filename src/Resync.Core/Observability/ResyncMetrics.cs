using System.Diagnostics.Metrics;

namespace Resync.Core.Observability;

/// <summary>
/// Resync's one <see cref="System.Diagnostics.Metrics.Meter"/> and its instruments (docs/observability.md lists them). Labels
/// are bounded: link, tenant, kind, status, outcome, sink; never a record key or a run id. Run, batch and record counts
/// are added where the catalogue's events are written, once the store holds them, so they equal the run summaries.
/// </summary>
public static class ResyncMetrics
{
    /// <summary>The meter's name, to subscribe to (OpenTelemetry's <c>AddMeter("Resync")</c>).</summary>
    public const string MeterName = "Resync";

    /// <summary>The meter; static like every BCL meter, so that the core needs no host to count.</summary>
    public static Meter Meter { get; } = new(MeterName);

    /// <summary>Records read from sources, by link and tenant.</summary>
    public static Counter<long> RecordsRead { get; } = Meter.CreateCounter<long>("resync.records.read", "{record}", "Records read from sources.");

    /// <summary>Records by outcome (succeeded, failed, ignored, incomplete), by link and tenant.</summary>
    public static Counter<long> Records { get; } = Meter.CreateCounter<long>("resync.records", "{record}", "Records processed, by outcome.");

    /// <summary>Batches by status, by link and tenant.</summary>
    public static Counter<long> Batches { get; } = Meter.CreateCounter<long>("resync.batches", "{batch}", "Batches finished, by status.");

    /// <summary>Runs ended, by link, tenant, kind (Replay and Retry count replays and retries) and status.</summary>
    public static Counter<long> Runs { get; } = Meter.CreateCounter<long>("resync.runs", "{run}", "Runs ended, by kind and status.");

    /// <summary>How long runs took, by link, tenant, kind and status.</summary>
    public static Histogram<double> RunDuration { get; } = Meter.CreateHistogram<double>("resync.run.duration", "s", "How long runs took.");

    /// <summary>How long calls to sources (a page) and targets (a write) took, by link, tenant, connector (source, target) and outcome (ok, error).</summary>
    public static Histogram<double> ConnectorCallDuration { get; } = Meter.CreateHistogram<double>("resync.connector.call.duration", "s",
        "How long source page reads and target writes took.");

    /// <summary>Source and target calls that failed as a whole, by link, tenant, connector and error type (the glossary's types).</summary>
    public static Counter<long> ConnectorErrors { get; } = Meter.CreateCounter<long>("resync.connector.errors", "{call}",
        "Source page reads and target writes that failed, by error type.");

    /// <summary>Incomplete runs parked (+1) and closed (-1) by this process, by link and tenant.</summary>
    public static UpDownCounter<long> IncompleteRuns { get; } = Meter.CreateUpDownCounter<long>("resync.incomplete.changes", "{run}",
        "Incomplete runs parked (+1) and resumed or discarded (-1) by this process.");

    private static readonly List<Func<IEnumerable<Measurement<long>>>> OpenIncompleteSources = [];

    /// <summary>
    /// Open incomplete runs (Scheduled or Waiting) by link and tenant, as the state store counts them; observed from the
    /// sources <see cref="ObserveOpenIncomplete"/> registers (a server, or each server of a test process).
    /// </summary>
    public static ObservableGauge<long> OpenIncomplete { get; } = Meter.CreateObservableGauge("resync.incomplete.open", ObserveOpenIncomplete, "{run}",
        "Open incomplete runs (scheduled or waiting for a person), as the state store counts them.");

    /// <summary>Adds a source of <see cref="OpenIncomplete"/>'s measurements until the answer is disposed.</summary>
    public static IDisposable ObserveOpenIncomplete(Func<IEnumerable<Measurement<long>>> source)
    {
        lock (OpenIncompleteSources)
            OpenIncompleteSources.Add(source);
        return new Registration(() =>
        {
            lock (OpenIncompleteSources)
                OpenIncompleteSources.Remove(source);
        });
    }

    private static IEnumerable<Measurement<long>> ObserveOpenIncomplete()
    {
        Func<IEnumerable<Measurement<long>>>[] sources;
        lock (OpenIncompleteSources)
            sources = [.. OpenIncompleteSources];
        return sources.SelectMany(source => source());
    }

    private sealed class Registration(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }

    /// <summary>Alert delivery attempts, by kind and status (delivered, failed, given_up).</summary>
    public static Counter<long> AlertDeliveries { get; } = Meter.CreateCounter<long>("resync.alert.deliveries", "{attempt}", "Alert delivery attempts, by status.");

    /// <summary>Log events a sink lost (buffer full, or a batch it could not write), by sink.</summary>
    public static Counter<long> LogEventsDropped { get; } = Meter.CreateCounter<long>("resync.log_events.dropped", "{event}", "Log events a sink lost.");
}
