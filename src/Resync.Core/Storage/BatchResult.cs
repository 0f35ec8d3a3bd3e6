using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Runs;

namespace Resync.Core.Storage;

/// <summary>Everything the store keeps of a finished batch, written in one transaction.</summary>
/// <param name="RunId">The run.</param>
/// <param name="BatchNumber">The batch's number in its run.</param>
/// <param name="Cursor">What fetches its page again.</param>
/// <param name="Status">Succeeded, CompletedWithErrors or Failed.</param>
/// <param name="Read">Records read (0 when the page could not be fetched).</param>
/// <param name="Succeeded">Records written.</param>
/// <param name="Failed">Records failed.</param>
/// <param name="Ignored">Records ignored.</param>
/// <param name="Warnings">Warnings raised.</param>
/// <param name="Error">The batch error, when the batch failed as a whole.</param>
/// <param name="Outcomes">The outcomes kept per the logging level (failed and ignored always, succeeded at All or with warnings).</param>
/// <param name="EndedAt">When it finished.</param>
public sealed record BatchResult(
    long RunId,
    int BatchNumber,
    string? Cursor,
    BatchStatus Status,
    int Read,
    int Succeeded,
    int Failed,
    int Ignored,
    int Warnings,
    ResyncError? Error,
    IReadOnlyList<RecordOutcome> Outcomes,
    DateTimeOffset EndedAt)
{
    /// <summary>
    /// Records read but not processed: all of an Interrupted batch's, and under sequential processing those after the
    /// first failed record (kept with their values, outcome Incomplete).
    /// </summary>
    public int Incomplete => Read - Succeeded - Failed - Ignored;

    /// <summary>
    /// The highest change marker of the batch's page, if its source tracks one: stored with the batch's outcomes, so that a run
    /// whose process died still moves its link's watermark past the batches that had committed (<see cref="CrashWatermark"/>).
    /// </summary>
    public string? Watermark { get; init; }

    /// <summary>A batch whose page could not be fetched: nothing read, the batch failed with <paramref name="error"/>.</summary>
    public static BatchResult PageFailed(long runId, int batchNumber, string? cursor, ResyncError error, DateTimeOffset endedAt) =>
        new(runId, batchNumber, cursor, BatchStatus.Failed, 0, 0, 0, 0, 0, error, [], endedAt);

    /// <summary>A batch that failed as a whole with <paramref name="error"/>: every record read is among <paramref name="failed"/>.</summary>
    public static BatchResult AllFailed(long runId, int batchNumber, string? cursor, ResyncError error, IReadOnlyList<RecordOutcome> failed, DateTimeOffset endedAt) =>
        new(runId, batchNumber, cursor, BatchStatus.Failed, failed.Count, 0, failed.Count, 0, 0, error, failed, endedAt);

    /// <summary>
    /// A batch of <paramref name="read"/> records that was never processed (its run stopped or its process died): all incomplete,
    /// those kept with their values in <paramref name="incomplete"/>.
    /// </summary>
    public static BatchResult Interrupted(long runId, int batchNumber, string? cursor, int read, IReadOnlyList<RecordOutcome> incomplete, DateTimeOffset endedAt) =>
        new(runId, batchNumber, cursor, BatchStatus.Interrupted, read, 0, 0, 0, 0, null, incomplete, endedAt);
}
