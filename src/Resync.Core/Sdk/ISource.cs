namespace Resync.Core.Sdk;

/// <summary>
/// Where a pull link's records come from. Implementations are thread-safe.
/// </summary>
public interface ISource
{
    /// <summary>
    /// Reads the pages, in order. A page that fails on its own is yielded with its failure (a batch error);
    /// throwing ends the run with a system error. Where <see cref="SourceContext.TakesPendingPages"/>, a page still coming
    /// may be yielded in its place as <see cref="SourcePage.Pending"/>; its arrival must be cancelled with the read.
    /// </summary>
    IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Fetches one page again by its cursor (Retry Failures of a failed batch). A source that cannot (its records came
    /// once, as a push's) throws <see cref="NotSupportedException"/>: the batch is then rebuilt from its records' snapshots.
    /// </summary>
    Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken);
}
