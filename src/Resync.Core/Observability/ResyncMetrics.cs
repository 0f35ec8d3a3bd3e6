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

    /// <summary>Incomplete runs parked (+1) and closed (-1) by this process, by link and tenant.</summary>
    public static UpDownCounter<long> IncompleteRuns { get; } = Meter.CreateUpDownCounter<long>("resync.incomplete.changes", "{run}",
        "Incomplete runs parked (+1) and resumed or discarded (-1) by this process.");

    /// <summary>Alert delivery attempts, by kind and status (delivered, failed, given_up).</summary>
    public static Counter<long> AlertDeliveries { get; } = Meter.CreateCounter<long>("resync.alert.deliveries", "{attempt}", "Alert delivery attempts, by status.");

    /// <summary>Log events a sink lost (buffer full, or a batch it could not write), by sink.</summary>
    public static Counter<long> LogEventsDropped { get; } = Meter.CreateCounter<long>("resync.log_events.dropped", "{event}", "Log events a sink lost.");
}
