using Resync.Core.Sdk;

namespace Resync.Connectors.Files;

/// <summary>
/// Reads a JSON Lines file (one JSON object per line, UTF-8) as pages of the link's batch size, streaming.
/// A line that is not a JSON object fails alone as a <c>MALFORMED_LINE</c> record error naming its line.
/// Page cursors are <c>offset:line</c>, so a page is read again without reading the file up to it.
/// </summary>
public sealed class JsonLinesSource : ISource, IResumableSource
{
    private readonly string _path;
    private readonly string? _keyField;

    /// <param name="path">The file.</param>
    /// <param name="keyField">The field that holds each record's key, or null.</param>
    public JsonLinesSource(string path, string? keyField = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = path;
        _keyField = keyField;
    }

    /// <summary>Called with the file's path right before each time it is opened (a server checks it again there).</summary>
    public Action<string>? BeforeOpen { get; init; }

    public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
        FilePages.ReadAsync(_path, CreateParser, context, BeforeOpen, cancellationToken);

    /// <summary>The pages after the page that starts at <paramref name="cursor"/> (resuming a run that stopped partway).</summary>
    public IAsyncEnumerable<SourcePage> ReadAfterAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        FilePages.ReadAfterAsync(_path, CreateParser, cursor, context, cancellationToken);

    public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        FilePages.FetchPageAsync(_path, CreateParser, cursor, context, BeforeOpen, cancellationToken);

    private JsonLinesRecordParser CreateParser() => new(_keyField);
}
