using Resync.Core.Sdk;

namespace Resync.Connectors.Files;

/// <summary>
/// Reads a CSV file (UTF-8) as pages of the link's batch size, streaming. Every value is text; a row that
/// cannot be read (wrong number of fields, a broken quote, bytes that are not UTF-8) fails alone as a
/// <c>MALFORMED_LINE</c> record error naming its line. Page cursors are <c>offset:line</c>, so a page is
/// read again without reading the file up to it.
/// </summary>
public sealed class CsvSource : ISource, IResumableSource
{
    private readonly string _path;
    private readonly char _delimiter;
    private readonly bool _header;
    private readonly IReadOnlyList<string>? _columns;
    private readonly string? _keyField;

    /// <param name="path">The file.</param>
    /// <param name="keyField">The column that holds each record's key, or null.</param>
    /// <param name="delimiter">The field separator.</param>
    /// <param name="header">The first line names the columns.</param>
    /// <param name="columns">The column names (required order); with a header, they replace its names.</param>
    public CsvSource(string path, string? keyField = null, char delimiter = ',', bool header = true, IReadOnlyList<string>? columns = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (delimiter is '"' or '\r' or '\n' || !char.IsAscii(delimiter))
            throw new ArgumentException("the delimiter is one ASCII character, not a quote or a line break", nameof(delimiter));
        _path = path;
        _keyField = keyField;
        _delimiter = delimiter;
        _header = header;
        _columns = columns;
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

    private CsvRecordParser CreateParser() => new(_path, _delimiter, _header, _columns, _keyField);
}
