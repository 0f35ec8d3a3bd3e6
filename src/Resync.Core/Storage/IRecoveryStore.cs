using Resync.Core.Links;

namespace Resync.Core.Storage;

/// <summary>
/// What recovery keeps across runs: link definitions and health, run chains (retry, replay, resume) and
/// their history, and incomplete runs with their edited records.
/// </summary>
public interface IRecoveryStore
{
    Task SaveLinkDefinitionAsync(string linkId, string tenant, LinkDefinition definition, CancellationToken cancellationToken);

    Task<LinkView?> GetLinkAsync(string linkId, CancellationToken cancellationToken);

    Task<IReadOnlyList<LinkView>> ListLinksAsync(string? tenant, CancellationToken cancellationToken);

    /// <summary>
    /// The one writer of a link's state (Active or Deactivated, with its reason) and recovery bookkeeping: runs, the health
    /// policy and a person through the API all write here. Registers the link under <paramref name="tenant"/> when no run
    /// has yet (a link's tenant, once registered, is not changed here).
    /// </summary>
    Task UpdateLinkHealthAsync(string linkId, string tenant, LinkHealth health, CancellationToken cancellationToken);

    /// <summary>Keeps the highest watermark a run's chain read (a lower one than kept is ignored), to apply when the chain eventually succeeds.</summary>
    Task SetPendingWatermarkAsync(long runId, string watermark, CancellationToken cancellationToken);

    /// <summary>
    /// After <paramref name="runId"/> (a Retry, Replay or Resume run) succeeded: every ancestor whose failures it
    /// carried in full becomes Succeeded (its history keeps the original failure), and when the root does, the link's
    /// watermark moves to the root's pending watermark. Returns the runs that changed.
    /// </summary>
    Task<IReadOnlyList<long>> ResolveChainAsync(long runId, DateTimeOffset at, CancellationToken cancellationToken);

    Task AddRunEventAsync(RunEvent runEvent, CancellationToken cancellationToken);

    Task<IReadOnlyList<RunEvent>> ListRunEventsAsync(long runId, CancellationToken cancellationToken);

    /// <summary>The runs started from this one (retries, replays, resumes), oldest first.</summary>
    Task<IReadOnlyList<long>> ListChildRunsAsync(long runId, CancellationToken cancellationToken);

    Task<long> ParkAsync(IncompleteRunView incomplete, CancellationToken cancellationToken);

    Task<IncompleteRunView?> GetIncompleteAsync(long id, CancellationToken cancellationToken);

    Task<IReadOnlyList<IncompleteRunView>> ListIncompleteAsync(IncompleteFilter filter, CancellationToken cancellationToken);

    /// <summary>The open incomplete runs (Scheduled or Waiting) per link, counted by the store (for the metrics gauge: one cheap query).</summary>
    Task<IReadOnlyList<IncompleteCount>> CountOpenIncompleteAsync(CancellationToken cancellationToken);

    /// <summary>Changes the status (and bookkeeping) of an incomplete run; discarding and resolving are final.</summary>
    Task UpdateIncompleteAsync(long id, IncompleteStatus status, int attempts, DateTimeOffset? nextAttemptAt, long? resolvedByRunId, string? note, CancellationToken cancellationToken);

    /// <summary>Replaces the field values of one record of an incomplete run (used instead of its snapshot when it is retried).</summary>
    Task EditIncompleteRecordAsync(long id, int batchNumber, int position, IReadOnlyDictionary<string, object?> fields, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps the values of the records of a batch that ended Interrupted without them (its process stopped while the batch
    /// was under way), as <c>Incomplete</c> records, so that a resume can rebuild them. Records already kept stay as they are.
    /// </summary>
    Task KeepInterruptedRecordsAsync(long runId, int batchNumber, IReadOnlyList<Records.RecordOutcome> records, CancellationToken cancellationToken);

    /// <summary>Replaces the field values of one failed record of a run (used instead of its snapshot by the run's next Retry Failures).</summary>
    Task EditFailedRecordAsync(long runId, int batchNumber, int position, IReadOnlyDictionary<string, object?> fields, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The edited failed records of a run: (batch, position) → field values as JSON.</summary>
    Task<IReadOnlyDictionary<(int Batch, int Position), string>> GetRecordEditsAsync(long runId, CancellationToken cancellationToken);

    /// <summary>The edited records of an incomplete run: (batch, position) → field values as JSON.</summary>
    Task<IReadOnlyDictionary<(int Batch, int Position), string>> GetIncompleteEditsAsync(long id, CancellationToken cancellationToken);
}
