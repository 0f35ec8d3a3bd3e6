using Resync.Core.Errors;

namespace Resync.Core.Records;

/// <summary>
/// The outcome of one record in a run, with what is kept of it: its error or ignore reason, warnings and,
/// per the logging level, its snapshot before and after the steps.
/// </summary>
/// <param name="Position">The record's position in its batch (0-based).</param>
/// <param name="Key">The source's id for the record, if any.</param>
/// <param name="Kind">Succeeded, Failed or Ignored.</param>
/// <param name="Error">Why it failed (Failed only).</param>
/// <param name="IgnoredBy">The step that ignored it (Ignored only).</param>
/// <param name="IgnoreReason">Why it was ignored (Ignored only; mandatory).</param>
/// <param name="Warnings">Warnings, which never change the outcome.</param>
/// <param name="Snapshot">Field values before and after the steps, or null when not kept.</param>
public sealed record RecordOutcome(
    int Position,
    string? Key,
    OutcomeKind Kind,
    ResyncError? Error,
    string? IgnoredBy,
    string? IgnoreReason,
    IReadOnlyList<RecordWarning> Warnings,
    Snapshot? Snapshot);
