namespace Resync.Core.Sdk;

/// <summary>
/// A source that has its first page in hand before a run reads it (a push's body). The engine then notes that batch's start
/// in the run's own commit (<see cref="Runs.NewRun.FirstBatch"/>) instead of a commit after it: one durable write fewer
/// before the target is written, on a path (a synchronous push) whose answer waits for each.
/// </summary>
public interface IFirstPageInHandSource
{
    /// <summary>The page a run reads first with pages of <paramref name="batchSize"/> records, or null when there is none.</summary>
    SourcePage? FirstPage(int batchSize);

    /// <summary>
    /// True when that first page is all the source has (a push of at most <paramref name="batchSize"/> records): the run's only
    /// batch then has its result stored with the run's end, in one commit (<see cref="Storage.IRunStore.RunFinishedWithLastBatchAsync"/>).
    /// </summary>
    bool FirstPageIsAll(int batchSize) => false;
}
