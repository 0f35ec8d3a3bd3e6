using Resync.Core.Errors;
using Resync.Core.Storage;

namespace Resync.Server.Recovery;

/// <summary>An incomplete run as the API shows it: the remainder of run <see cref="RunId"/>, why it stopped, where it stands.</summary>
public sealed record IncompleteRunDocument(
    long Id,
    long RunId,
    string LinkId,
    string Tenant,
    IncompleteStatus Status,
    ResyncError Error,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset CreatedAt,
    long? ResolvedByRunId,
    string? Note,
    int EditedRecords,
    bool HasUnreadPages,
    string SelfUrl,
    string RunUrl)
{
    public static IncompleteRunDocument From(IncompleteRunView view) => new(view.Id, view.RunId, view.LinkId, view.Tenant, view.Status, view.Error,
        view.Attempts, view.NextAttemptAt, view.CreatedAt, view.ResolvedByRunId, view.Note, view.EditedRecords, view.ResumeCursor is not null,
        $"/api/v1/incomplete-runs/{view.Id}", $"/api/v1/runs/{view.RunId}");
}
