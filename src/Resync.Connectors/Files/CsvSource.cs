using Resync.Core.Sdk;

namespace Resync.Connectors.Files;

/// <summary>
/// Reads a CSV file (UTF-8) as pages of the link's batch size, streaming. Every value is text; a row that
/// cannot be read (wrong number of fields, a broken quote, bytes that are not UTF-8) fails alone as a
/// <c>MALFORMED_LINE</c> record error naming its line. Page cursors are <c>offset:line</c>, so a page is
/// read again without reading the file up to it.
/// </summary>
public sealed class CsvSource : LineFileSource
{
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
        : base(path)
    {
        if (delimiter is '"' or '\r' or '\n' || !char.IsAscii(delimiter))
            throw new ArgumentException("the delimiter is one ASCII character, not a quote or a line break", nameof(delimiter));
        _keyField = keyField;
        _delimiter = delimiter;
        _header = header;
        _columns = columns;
    }

    private protected override ILineRecordParser CreateParser() => new CsvRecordParser(FilePath, _delimiter, _header, _columns, _keyField);
}
