namespace Resync.Core.Storage;

/// <summary>How a run's failed records outside its failed batches split, for planning a retry.</summary>
/// <param name="Retriable">Records with a snapshot to rebuild them from (in the group, when one is given).</param>
/// <param name="NotRetriable">Records without a snapshot (logging level None) or that the source could not read.</param>
/// <param name="OutsideGroup">Records not in the given error group.</param>
/// <param name="RetriableDurable">Of <paramref name="Retriable"/>, those whose error is durable (automated replay leaves them by default).</param>
public sealed record FailedRecordCounts(long Retriable, long NotRetriable, long OutsideGroup, long RetriableDurable = 0);
