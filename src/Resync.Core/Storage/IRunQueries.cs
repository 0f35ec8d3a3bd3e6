namespace Resync.Core.Storage;

/// <summary>The read side of run state, paged, used alike by the CLI, the API and the dashboard.</summary>
public interface IRunQueries
{
    Task<RunView?> GetRunAsync(long runId, CancellationToken cancellationToken);

    /// <summary>Runs, newest first.</summary>
    Task<IReadOnlyList<RunView>> ListRunsAsync(RunFilter filter, CancellationToken cancellationToken);

    Task<IReadOnlyList<BatchView>> ListBatchesAsync(long runId, int offset, int limit, CancellationToken cancellationToken);

    /// <summary>One batch of the run, or null when the store has not noted it (a worker given a batch again asks whether it is finished).</summary>
    Task<BatchView?> GetBatchAsync(long runId, int number, CancellationToken cancellationToken);

    /// <summary>Record errors grouped by type, code, step and fields, largest first, each with a sample.</summary>
    Task<IReadOnlyList<ErrorGroupView>> ListErrorGroupsAsync(long runId, CancellationToken cancellationToken);

    /// <summary>
    /// Counts the failed records outside failed batches (and those a sequential run did not get to, outcome Incomplete):
    /// retriable (in <paramref name="group"/>, if given) or not.
    /// </summary>
    Task<FailedRecordCounts> CountFailedRecordsAsync(long runId, ErrorGroupKey? group, CancellationToken cancellationToken);

    /// <summary>
    /// The retriable failed (or Incomplete) records outside failed batches (with a snapshot, read properly by the source), in the group if
    /// given, in order after <paramref name="after"/> (keyset paging).
    /// </summary>
    Task<IReadOnlyList<FailedRecordSnapshot>> ListRetriableFailedRecordsAsync(long runId, ErrorGroupKey? group, (int Batch, int Position)? after, int limit, CancellationToken cancellationToken);

    /// <summary>Kept record outcomes of a run, with snapshots.</summary>
    Task<IReadOnlyList<RecordView>> ListRecordsAsync(long runId, RecordFilter filter, CancellationToken cancellationToken);

    /// <summary>How many kept record outcomes match the filter, whatever its offset and limit: the total under a page.</summary>
    Task<int> CountRecordsAsync(long runId, RecordFilter filter, CancellationToken cancellationToken);

    /// <summary>A version of a link's definition that some run ran with (kept when that run was created), or null.</summary>
    Task<Links.LinkVersion?> GetLinkVersionAsync(string linkId, string hash, CancellationToken cancellationToken);
}
