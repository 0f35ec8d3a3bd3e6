using Resync.Core.Errors;

namespace Resync.Core.Storage;

/// <summary>
/// The unprocessed remainder of a run that stopped partway: the batches cut by the error that stopped it
/// (fetched again by cursor or rebuilt from snapshots) and the pages never read (from <see cref="ResumeCursor"/>).
/// </summary>
public sealed record IncompleteRunView(
    long Id,
    long RunId,
    string LinkId,
    string Tenant,
    IncompleteStatus Status,
    ResyncError Error,
    string? ResumeCursor,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset CreatedAt,
    long? ResolvedByRunId,
    string? Note,
    int EditedRecords)
{
    /// <summary>How <see cref="Note"/> starts when the source cannot resume, so the pages it never read are not in the remainder.</summary>
    public const string NotReadPrefix = "Not read: ";

    /// <summary>What a retry of this remainder does not recover, and how to get it (a source that cannot resume), or null.</summary>
    public string? NotRecovered => Note is { } note && note.StartsWith(NotReadPrefix, StringComparison.Ordinal) ? note : null;
}
