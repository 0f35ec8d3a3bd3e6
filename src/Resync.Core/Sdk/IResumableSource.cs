namespace Resync.Core.Sdk;

/// <summary>
/// A source that can continue after a page it yielded earlier, so the unread remainder of a run that stopped
/// partway is read without reading everything again.
/// </summary>
public interface IResumableSource
{
    /// <summary>Reads the pages that follow the page whose cursor is <paramref name="cursor"/>, in order.</summary>
    IAsyncEnumerable<SourcePage> ReadAfterAsync(string cursor, SourceContext context, CancellationToken cancellationToken);
}
