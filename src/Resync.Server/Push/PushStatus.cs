using Resync.Server.Api;

namespace Resync.Server.Push;

/// <summary>
/// An asynchronous push followed by its status URL (<c>GET /api/v1/pushes/{pushId}</c>): where it stands and each of its own
/// records' real outcome, also in a run it shares with other pushes.
/// </summary>
/// <param name="PushId">The push's id, as the 202 answer gave it.</param>
/// <param name="LinkId">The link pushed to.</param>
/// <param name="RunId">The run that takes its records, once started (maybe shared).</param>
/// <param name="Status"><c>Accepted</c> (stored, its run not started), <c>Running</c> (some record still pending), then its own records'
/// status: <c>Succeeded</c>, <c>CompletedWithErrors</c>, or the run's own when a system error stopped it (<c>Failed</c>, <c>Interrupted</c>).</param>
/// <param name="FirstRecord">The run's record (0-based) where the push's records start; null until the run starts.</param>
/// <param name="Counts">Its records by state; null for a push stored before record counts were kept.</param>
/// <param name="Records">A page of its records (<c>offset</c>, <c>limit</c>); null as for <paramref name="Counts"/>.</param>
/// <param name="AcceptedAt">When it was stored.</param>
/// <param name="FinishedAt">When its run ended.</param>
/// <param name="Self">This status URL.</param>
/// <param name="RunUrl">The run, once started.</param>
public sealed record PushStatus(long PushId, string LinkId, long? RunId, string Status, int? FirstRecord, PushRecordCounts? Counts, Page<PushRecordStatus>? Records,
    DateTimeOffset AcceptedAt, DateTimeOffset? FinishedAt, string Self, string? RunUrl)
{
    /// <summary>The status URL of push <paramref name="pushId"/>.</summary>
    public static string Url(long pushId) => $"/api/v1/pushes/{pushId}";
}
