using Resync.Core.Records;

namespace Resync.Core.Storage;

/// <summary>Which kept record outcomes to list.</summary>
public sealed record RecordFilter(OutcomeKind? Outcome = null, int Offset = 0, int Limit = 100, int? BatchNumber = null)
{
    /// <summary>
    /// Keyset paging: only records after this (batch, position), in order. Reading a long list page by page this way costs
    /// the same for every page, where an offset re-reads every record before it.
    /// </summary>
    public (int Batch, int Position)? After { get; init; }

    /// <summary>Several outcomes at once (e.g. Failed and Incomplete: what an incomplete run carries); overrides <see cref="Outcome"/>.</summary>
    public IReadOnlyList<OutcomeKind>? Outcomes { get; init; }
}
