namespace Resync.Server;

/// <summary>An asynchronous push, stored durably before it is acknowledged.</summary>
/// <param name="Id">The push's number.</param>
/// <param name="LinkId">The link pushed to.</param>
/// <param name="Tenant">The link's tenant.</param>
/// <param name="Payload">The request body (JSON), as received.</param>
/// <param name="RequestId">The caller's X-Request-Id.</param>
/// <param name="CallbackUrl">Where to post the outcome when the run ends.</param>
/// <param name="RunId">The run processing it, once started.</param>
/// <param name="AcceptedAt">When it was stored.</param>
/// <param name="FinishedAt">When its run ended.</param>
public sealed record StoredPush(long Id, string LinkId, string Tenant, string Payload, string? RequestId, string? CallbackUrl, long? RunId,
    DateTimeOffset AcceptedAt, DateTimeOffset? FinishedAt)
{
    /// <summary>The callback's signing secret, encrypted; shown once, in the push's answer.</summary>
    public string? ProtectedCallbackSecret { get; init; }

    /// <summary>How many records the payload holds (null for pushes stored before it was kept).</summary>
    public int? RecordCount { get; init; }

    /// <summary>
    /// Where the push's records start in its run (0-based), read by <see cref="IServerStore.GetPushAsync"/>: pushes sharing a run are
    /// read one after the other in the order of their ids, so it is the records of the run's pushes with a smaller id.
    /// </summary>
    public int? FirstRecord { get; init; }
}
