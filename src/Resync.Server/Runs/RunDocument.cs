using Resync.Core.Errors;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Server.Runs;

/// <summary>
/// A run as the API and the CLI's <c>--json</c> show it: the summary, live while it is going, with lineage (parent, root,
/// children: retries, replays and resumes), error groups and history (resolved by a retry chain, parked, discarded, alerts).
/// In lists <see cref="Children"/> and <see cref="History"/> are null (not read: see the run's own document).
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
    IReadOnlyList<long>? Children,
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

    /// <summary>The run's whole document: <c>GET /api/v1/runs/{id}</c> and <c>resync show --json</c>.</summary>
    public static async Task<RunDocument> ReadAsync(IRunQueries queries, IRecoveryStore recovery, RunView run, ActiveRun? live, CancellationToken cancellationToken)
    {
        var groups = await queries.ListErrorGroupsAsync(run.Id, cancellationToken);
        var children = await recovery.ListChildRunsAsync(run.Id, cancellationToken);
        var history = await recovery.ListRunEventsAsync(run.Id, cancellationToken);
        return From(run, children, groups, live, history);
    }

    /// <summary>
    /// The entries of a runs list (<c>GET /api/v1/runs</c>, <c>resync runs --json</c>). The list query leaves out batch errors
    /// and error groups: they are read for the runs that have failures, so no entry shows none where the run has some.
    /// </summary>
    public static async Task<IReadOnlyList<RunDocument>> ListAsync(IRunQueries queries, IReadOnlyList<RunView> runs, Func<long, ActiveRun?> live,
        CancellationToken cancellationToken)
    {
        var documents = new List<RunDocument>(runs.Count);
        foreach (var run in runs)
        {
            var failed = run.Counts.Failed > 0 || run.Counts.BatchesFailed > 0;
            var whole = failed ? await queries.GetRunAsync(run.Id, cancellationToken) ?? run : run;
            documents.Add(From(whole, null, failed ? await queries.ListErrorGroupsAsync(run.Id, cancellationToken) : [], live(run.Id)));
        }
        return documents;
    }

    public static RunDocument From(RunView run, IReadOnlyList<long>? children, IReadOnlyList<ErrorGroupView>? groups, ActiveRun? live,
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
