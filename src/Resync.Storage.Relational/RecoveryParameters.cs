using Resync.Core.Links;
using Resync.Core.Storage;

namespace Resync.Storage.Relational;

/// <summary>
/// The parameters of the shared recovery writes. Counts go as 64-bit integers: PostgreSQL's columns are BIGINT and SQLite's
/// integers are 64-bit anyway.
/// </summary>
internal static class RecoveryParameters
{
    /// <summary>For <see cref="RecoveryStatements.SaveLinkHealth"/>.</summary>
    public static object Health(string linkId, string tenant, LinkHealth health, DateTimeOffset now) => new
    {
        linkId,
        tenant,
        State = health.State.ToString(),
        health.StateReason,
        ConsecutiveFailures = (long)health.ConsecutiveFailures,
        BackoffAttempts = (long)health.BackoffAttempts,
        NextAttemptAt = StoredTime.OptionalText(health.NextAttemptAt),
        Now = StoredTime.Text(now),
    };

    /// <summary>For <see cref="RecoveryStatements.InsertRunEvent"/>.</summary>
    public static object Event(RunEvent entry) => new { entry.RunId, At = StoredTime.Text(entry.At), entry.Kind, entry.Message };

    /// <summary>For <see cref="RecoveryStatements.InsertIncomplete"/>.</summary>
    public static object Incomplete(IncompleteRunView incomplete) => new
    {
        incomplete.RunId,
        incomplete.LinkId,
        incomplete.Tenant,
        Status = incomplete.Status.ToString(),
        Error = StoredJson.Error(incomplete.Error),
        incomplete.ResumeCursor,
        Attempts = (long)incomplete.Attempts,
        NextAttemptAt = StoredTime.OptionalText(incomplete.NextAttemptAt),
        CreatedAt = StoredTime.Text(incomplete.CreatedAt),
        incomplete.Note,
    };

    /// <summary>For <see cref="RecoveryStatements.UpdateIncomplete"/>.</summary>
    public static object IncompleteUpdate(long id, IncompleteStatus status, int attempts, DateTimeOffset? nextAttemptAt, long? resolvedByRunId, string? note) =>
        new { id, status = status.ToString(), attempts = (long)attempts, next = StoredTime.OptionalText(nextAttemptAt), resolvedByRunId, note };

    /// <summary>For <see cref="RecoveryStatements.SaveEdit"/>.</summary>
    public static object Edit(long id, int batchNumber, int position, string json, DateTimeOffset at) =>
        new { id, batchNumber = (long)batchNumber, position = (long)position, json, at = StoredTime.Text(at) };
}
