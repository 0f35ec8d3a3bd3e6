using System.Diagnostics;

namespace Resync.Core.Observability;

/// <summary>
/// Resync's <see cref="ActivitySource"/>: one span per run (<c>resync.run</c>) and one per batch (<c>resync.batch</c>, its
/// child, with an error status when the batch failed). A run started while a request is handled (an API call, a push) is
/// a child of that request's span, so it is in the caller's trace (W3C <c>traceparent</c>).
/// </summary>
public static class ResyncTracing
{
    /// <summary>The source's name, to subscribe to (OpenTelemetry's <c>AddSource("Resync")</c>).</summary>
    public const string SourceName = "Resync";

    public static ActivitySource Source { get; } = new(SourceName);
}
