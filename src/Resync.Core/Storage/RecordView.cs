using Resync.Core.Errors;
using Resync.Core.Records;

namespace Resync.Core.Storage;

/// <summary>A kept record outcome with its snapshot (field values as JSON objects, or null when not kept).</summary>
public sealed record RecordView(
    long RunId,
    int BatchNumber,
    int Position,
    string? Key,
    OutcomeKind Outcome,
    ResyncError? Error,
    string? IgnoredBy,
    string? IgnoreReason,
    IReadOnlyList<RecordWarning> Warnings,
    string? BeforeJson,
    string? AfterJson)
{
    /// <summary>
    /// Whether a failed (or Incomplete) record can be retried on its own: it can be rebuilt from its snapshot unless none was kept
    /// or the source could not read it. The stores repeat this rule in SQL; the storage compliance suite pins them to it.
    /// </summary>
    public bool IsRetriable => BeforeJson is not null && Error?.Step != "source";
}
