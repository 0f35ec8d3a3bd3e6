namespace Resync.Core.Observability;

/// <summary>
/// The log sinks a link adds for its tenant (the link file's <c>logging</c> section): they receive the catalogue's events
/// of that tenant only, besides the sinks the host configures. Null parts are not used.
/// </summary>
public sealed record LinkLogging
{
    /// <summary>Batches of events posted to an HTTP intake (Datadog's shape), through the host's outbound network policy.</summary>
    public LinkIntakeSink? Intake { get; init; }

    /// <summary>Events appended as JSON lines to a file within the link's reach (a tenant's data folder for links from the API).</summary>
    public LinkFileSink? File { get; init; }
}
