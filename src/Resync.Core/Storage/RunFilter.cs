using Resync.Core.Runs;

namespace Resync.Core.Storage;

/// <summary>Which runs to list.</summary>
public sealed record RunFilter(string? LinkId = null, string? Tenant = null, RunStatus? Status = null, int Offset = 0, int Limit = 50)
{
    /// <summary>Only runs of this kind; null for all.</summary>
    public RunKind? Kind { get; init; }

    /// <summary>Only runs started at or after this instant; null for no lower bound.</summary>
    public DateTimeOffset? StartedFrom { get; init; }

    /// <summary>Only runs started before this instant; null for no upper bound.</summary>
    public DateTimeOffset? StartedBefore { get; init; }
}
