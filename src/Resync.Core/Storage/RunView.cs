using Resync.Core.Errors;
using Resync.Core.Runs;

namespace Resync.Core.Storage;

/// <summary>A run as shown in summaries: status, kind, lineage, timings, counts and its run-level errors.</summary>
public sealed record RunView(
    long Id,
    string LinkId,
    string Tenant,
    RunKind Kind,
    RunStatus Status,
    string Trigger,
    long? ParentRunId,
    string? RequestId,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    RunCounts Counts,
    ResyncError? SystemError,
    IReadOnlyList<BatchErrorView> BatchErrors)
{
    /// <summary>The first run of the chain this run belongs to (null when it is a root).</summary>
    public long? RootRunId { get; init; }

    /// <summary>Whether this run (a Retry, Replay or Resume) carried every failure of its parent.</summary>
    public bool CarriesAllFailures { get; init; } = true;

    /// <summary>The recovery run whose success made this run Succeeded (its chain resolved), or null.</summary>
    public long? ResolvedByRunId { get; init; }

    /// <summary>The hash of the link definition the run ran with (<see cref="Links.LinkVersion"/>), or null (a link built in code, an older run).</summary>
    public string? LinkVersion { get; init; }
}
