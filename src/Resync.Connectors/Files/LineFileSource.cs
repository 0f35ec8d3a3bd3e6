using Resync.Core.Sdk;

namespace Resync.Connectors.Files;

/// <summary>
/// A source that reads a line-based file (CSV, JSON Lines) as pages of the link's batch size, streaming; what a line holds
/// is its parser's to say. Page cursors are <c>offset:line</c>, so a page is read again without reading the file up to it.
/// </summary>
public abstract class LineFileSource : ISource, IResumableSource
{
    /// <param name="path">The file.</param>
    private protected LineFileSource(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        FilePath = path;
    }

    private protected string FilePath { get; }

    /// <summary>Called with the file's path right before each time it is opened (a server checks it again there).</summary>
    public Action<string>? BeforeOpen { get; init; }

    public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
        FilePages.ReadAsync(FilePath, CreateParser, context, BeforeOpen, cancellationToken);

    /// <summary>The pages after the page that starts at <paramref name="cursor"/> (resuming a run that stopped partway).</summary>
    public IAsyncEnumerable<SourcePage> ReadAfterAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        FilePages.ReadAfterAsync(FilePath, CreateParser, cursor, context, cancellationToken);

    public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        FilePages.FetchPageAsync(FilePath, CreateParser, cursor, context, BeforeOpen, cancellationToken);

    /// <summary>A parser for one pass over the file.</summary>
    private protected abstract ILineRecordParser CreateParser();
}
