using Resync.Core.Sdk;

namespace Resync.Connectors.Files;

/// <summary>
/// Reads a JSON Lines file (one JSON object per line, UTF-8) as pages of the link's batch size, streaming.
/// A line that is not a JSON object fails alone as a <c>MALFORMED_LINE</c> record error naming its line.
/// Page cursors are <c>offset:line</c>, so a page is read again without reading the file up to it.
/// </summary>
public sealed class JsonLinesSource : LineFileSource
{
    private readonly string? _keyField;

    /// <param name="path">The file.</param>
    /// <param name="keyField">The field that holds each record's key, or null.</param>
    public JsonLinesSource(string path, string? keyField = null)
        : base(path) => _keyField = keyField;

    private protected override ILineRecordParser CreateParser() => new JsonLinesRecordParser(_keyField);
}
