namespace Resync.Core.Runs;

/// <summary>What the store needs to open a run.</summary>
/// <param name="LinkId">The link.</param>
/// <param name="Tenant">The link's tenant.</param>
/// <param name="Kind">Why the run exists.</param>
/// <param name="Trigger">What started it, in words (e.g. <c>cli</c>, <c>schedule */5 * * * *</c>).</param>
/// <param name="ParentRunId">The run this one retries, replays or resumes.</param>
/// <param name="RequestId">The caller's X-Request-Id, if any.</param>
/// <param name="Owner">The process running it (see <see cref="RunOwner"/>).</param>
/// <param name="StartedAt">When it started.</param>
public sealed record NewRun(
    string LinkId,
    string Tenant,
    RunKind Kind,
    string Trigger,
    long? ParentRunId,
    string? RequestId,
    string Owner,
    DateTimeOffset StartedAt)
{
    /// <summary>For Retry, Replay and Resume runs: whether the run carries every failure of its parent (so its success resolves the parent).</summary>
    public bool CarriesAllFailures { get; init; } = true;

    /// <summary>The version of the link's definition the run runs with (kept by the store with the run), or null for links built in code.</summary>
    public Links.LinkVersion? LinkVersion { get; init; }

    /// <summary>The run's first batch, when its page is in hand before the run opens (<see cref="Sdk.IFirstPageInHandSource"/>): noted started in the same commit.</summary>
    public FirstBatch? FirstBatch { get; init; }
}
