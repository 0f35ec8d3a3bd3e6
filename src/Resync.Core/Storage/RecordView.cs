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
    /// or the source could not read it (<see cref="Retriable"/>).
    /// </summary>
    public bool IsRetriable => Retriable(BeforeJson, Error);

    /// <summary>
    /// The rule behind <see cref="IsRetriable"/>, for a record's kept snapshot and error. The stores keep its answer with each
    /// failed record as it is written, so that a retry's plan counts them from an index; the storage compliance suite pins the two.
    /// </summary>
    public static bool Retriable(string? beforeJson, ResyncError? error) => beforeJson is not null && error?.Step != "source";
}
