namespace Resync.Core.Runs;

/// <summary>
/// A run's batch 1, noted as started (Processing, its records read) in the commit that opens the run, as
/// <see cref="Storage.IRunStore.BatchStartedAsync(long, int, string?, int, DateTimeOffset, CancellationToken)"/> would note it.
/// </summary>
/// <param name="Cursor">The page's cursor.</param>
/// <param name="RecordCount">Its records.</param>
/// <param name="Watermark">The highest change marker of its page, if the source tracks one (kept as a started batch's is).</param>
public sealed record FirstBatch(string? Cursor, int RecordCount, string? Watermark = null);
