namespace Resync.Server.Push;

/// <summary>
/// The answer to an asynchronous push: stored; poll <paramref name="StatusUrl"/> for progress. Without a callback the answer comes
/// before its run starts: <paramref name="RunId"/>, <paramref name="EventsUrl"/> and <see cref="FirstRecord"/> are null and
/// <paramref name="StatusUrl"/> is the push's own (<see cref="PushUrl"/>), which names the run once started. With a callback the
/// answer comes once its run has started, and <paramref name="StatusUrl"/> is the run's; <paramref name="CallbackSecret"/> is the
/// secret its signature is made with, shown here only (an Idempotency-Key replay omits it).
/// </summary>
public sealed record PushAccepted(long PushId, long? RunId, string Status, string StatusUrl, string? EventsUrl, string? CallbackUrl, string? CallbackSecret = null,
    string? CallbacksUrl = null)
{
    /// <summary>
    /// The run's record (0-based, in its reading order) that is the push's first: pushes of one link that arrive together share a
    /// run, 0 when the run is the push's own; null until the run starts.
    /// </summary>
    public int? FirstRecord { get; init; }

    /// <summary>
    /// The push's own status URL (<c>/api/v1/pushes/{pushId}</c>): where it stands and each of its records' outcome; each record's
    /// own is <c>{pushUrl}/records/{index}</c>.
    /// </summary>
    public string? PushUrl { get; init; }
}
