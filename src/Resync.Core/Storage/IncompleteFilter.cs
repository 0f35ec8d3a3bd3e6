namespace Resync.Core.Storage;

/// <summary>Which incomplete runs to list (all open ones by default: Scheduled and Waiting); <c>RunId</c>: only those of that run.</summary>
public sealed record IncompleteFilter(string? LinkId = null, string? Tenant = null, IReadOnlyList<IncompleteStatus>? Statuses = null, DateTimeOffset? DueBy = null, int Offset = 0, int Limit = 100,
    long? RunId = null);
