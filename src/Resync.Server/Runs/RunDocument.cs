using Resync.Core.Errors;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Server.Runs;

/// <summary>
/// A run as the API shows it: the summary, live while it is going, with lineage (parent, root, children: retries,
/// replays and resumes), error groups and history (resolved by a retry chain, parked, discarded, alerts).
/// </summary>
public sealed record RunDocument(
    long Id,
    string LinkId,
    string Tenant,
    RunKind Kind,
    RunStatus Status,
    string Trigger,
    long? ParentRunId,
    long? RootRunId,
    IReadOnlyList<long> Children,
    string? RequestId,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    RunCounts Counts,
    ResyncError? SystemError,
    IReadOnlyList<BatchErrorView> BatchErrors,
    IReadOnlyList<ErrorGroupView>? ErrorGroups,
    IReadOnlyList<RunHistoryEntry>? History,
    RunLinks Links)
{
    /// <summary>The hash of the link definition the run ran with (null: a link built in code, or a run from before versions were kept).</summary>
    public string? LinkVersion { get; init; }

    public static RunDocument From(RunView run, IReadOnlyList<long> children, IReadOnlyList<ErrorGroupView>? groups, ActiveRun? live,
        IReadOnlyList<RunEvent>? history = null)
    {
        // While the run is going, the live counters are ahead of the store's (they count batches as they finish).
        var counts = live is not null && run.Status == RunStatus.Running ? Max(run.Counts, live.Progress.Snapshot()) : run.Counts;
        return new RunDocument(run.Id, run.LinkId, run.Tenant, run.Kind, run.Status, run.Trigger, run.ParentRunId, run.RootRunId, children,
            run.RequestId, run.StartedAt, run.EndedAt, counts, run.SystemError, run.BatchErrors, groups,
            history?.Select(entry => new RunHistoryEntry(entry.At, entry.Kind, entry.Message)).ToList(), RunLinks.For(run.Id))
        {
            LinkVersion = run.LinkVersion,
        };
    }

    private static RunCounts Max(RunCounts stored, RunCounts live) => stored.Read >= live.Read && stored.BatchesTotal >= live.BatchesTotal ? stored : live;
}
