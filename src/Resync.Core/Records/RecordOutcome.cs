using Resync.Core.Errors;

namespace Resync.Core.Records;

/// <summary>
/// The outcome of one record in a run, with what is kept of it: its error or ignore reason, warnings and,
/// per the logging level, its snapshot before and after the steps.
/// </summary>
/// <param name="Position">The record's position in its batch (0-based).</param>
/// <param name="Key">The source's id for the record, if any.</param>
/// <param name="Kind">Succeeded, Failed, Ignored or Incomplete.</param>
/// <param name="Error">Why it failed (Failed only).</param>
/// <param name="IgnoredBy">The step that ignored it (Ignored only).</param>
/// <param name="IgnoreReason">Why it was ignored (Ignored only; mandatory).</param>
/// <param name="Warnings">Warnings, which never change the outcome.</param>
/// <param name="Snapshot">Field values before and after the steps, or null when not kept.</param>
/// <remarks>Build one with the factory of its kind (<see cref="Failed"/>, <see cref="Ignored"/>…): each fills only what its kind has.</remarks>
public sealed record RecordOutcome(
    int Position,
    string? Key,
    OutcomeKind Kind,
    ResyncError? Error,
    string? IgnoredBy,
    string? IgnoreReason,
    IReadOnlyList<RecordWarning> Warnings,
    Snapshot? Snapshot)
{
    /// <summary>A record written by the target.</summary>
    public static RecordOutcome Succeeded(int position, string? key, IReadOnlyList<RecordWarning> warnings, Snapshot? snapshot) =>
        new(position, key, OutcomeKind.Succeeded, null, null, null, warnings, snapshot);

    /// <summary>A record that failed with <paramref name="error"/>.</summary>
    public static RecordOutcome Failed(int position, string? key, ResyncError error, IReadOnlyList<RecordWarning> warnings, Snapshot? snapshot) =>
        new(position, key, OutcomeKind.Failed, error, null, null, warnings, snapshot);

    /// <summary>A record that <paramref name="ignoredBy"/> (a step, the source or the target) left out, saying why.</summary>
    public static RecordOutcome Ignored(int position, string? key, string ignoredBy, string reason, IReadOnlyList<RecordWarning> warnings, Snapshot? snapshot) =>
        new(position, key, OutcomeKind.Ignored, null, ignoredBy, reason, warnings, snapshot);

    /// <summary>A record read but never processed, kept with its values (<paramref name="snapshot"/>) for the retry of its incomplete run.</summary>
    public static RecordOutcome Incomplete(int position, string? key, Snapshot? snapshot) =>
        new(position, key, OutcomeKind.Incomplete, null, null, null, [], snapshot);
}
