namespace Resync.Connectors.Sql;

/// <summary>What the SQL table targets share beyond table, mode and key.</summary>
public sealed record SqlTargetOptions
{
    /// <summary>Writes each batch all-or-none: when any record fails, nothing of the batch is written.</summary>
    /// <value>The default is false: every record that can be written is written.</value>
    public bool Transactional { get; init; }

    /// <summary>
    /// A version or updated-at column: a row whose value is newer than the record's is never overwritten, and the
    /// record is Ignored as stale (upsert and update modes).
    /// </summary>
    /// <value>The default is null: no stale protection.</value>
    public string? VersionColumn { get; init; }

    /// <summary>The default of <see cref="BatchLedger"/>.</summary>
    public const bool DefaultBatchLedger = true;

    /// <summary>
    /// Keeps a ledger of the batches written (table <c>resync_batches</c> beside the target table), so that a batch written
    /// again because a crash lost its outcome is not written twice. Kept where a batch is one transaction: a SQLite target, a
    /// transactional PostgreSQL target.
    /// </summary>
    /// <value>The default is true; false for a database that refuses extra tables (a resume then writes such a batch again).</value>
    public bool BatchLedger { get; init; } = DefaultBatchLedger;

    public static SqlTargetOptions Default { get; } = new();
}
