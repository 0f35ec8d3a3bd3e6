using Resync.Core.Storage;

namespace Resync.Storage.Relational;

/// <summary>An incomplete run as <see cref="RecoveryStatements.SelectIncomplete"/> reads it (a class with setters, as <see cref="LinkRow"/>).</summary>
internal sealed class IncompleteRow
{
    public long Id { get; set; }
    public long RunId { get; set; }
    public string LinkId { get; set; } = "";
    public string Tenant { get; set; } = "";
    public string Status { get; set; } = "";
    public string Error { get; set; } = "";
    public string? ResumeCursor { get; set; }
    public long Attempts { get; set; }
    public string? NextAttemptAt { get; set; }
    public string CreatedAt { get; set; } = "";
    public long? ResolvedByRunId { get; set; }
    public string? Note { get; set; }
    public long Edited { get; set; }

    public IncompleteRunView ToView() => new(Id, RunId, LinkId, Tenant, Enum.Parse<IncompleteStatus>(Status), StoredJson.Error(Error)!,
        ResumeCursor, (int)Attempts, StoredTime.OptionalTime(NextAttemptAt), StoredTime.Time(CreatedAt), ResolvedByRunId, Note, (int)Edited);
}
