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
    string? AfterJson);
