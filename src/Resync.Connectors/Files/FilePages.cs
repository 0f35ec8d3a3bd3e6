using System.Runtime.CompilerServices;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Connectors.Files;

/// <summary>
/// Reads a line-based file as pages of the link's batch size, streaming: only the page being built is in
/// memory, however large the file. Each page's cursor is the offset and number of its first line.
/// </summary>
internal static class FilePages
{
    public static async IAsyncEnumerable<SourcePage> ReadAsync(string path, Func<ILineRecordParser> createParser, SourceContext context,
        Action<string>? beforeOpen, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parser = createParser();
        beforeOpen?.Invoke(path);
        await using var reader = await LineReader.OpenAsync(path, 0, 1, cancellationToken);
        await parser.ReadPreambleAsync(reader, cancellationToken);
        await foreach (var page in ReadPagesAsync(reader, parser, context, cancellationToken))
            yield return page;
    }

    /// <summary>
    /// The pages after the page that starts at <paramref name="cursor"/> (a resume): that page's lines are read again only to
    /// find where the next one starts, so pages keep the boundaries of the run that stopped.
    /// </summary>
    public static async IAsyncEnumerable<SourcePage> ReadAfterAsync(string path, Func<ILineRecordParser> createParser, string cursor, SourceContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = FileCursor.Parse(cursor);
        var parser = createParser();
        await using (var header = await LineReader.OpenAsync(path, 0, 1, cancellationToken))
            await parser.ReadPreambleAsync(header, cancellationToken);
        await using var reader = await LineReader.OpenAsync(path, start.Offset, start.Line, cancellationToken);
        if ((await ReadPageAsync(reader, parser, context.BatchSize, cancellationToken)).Count < context.BatchSize)
            yield break;
        await foreach (var page in ReadPagesAsync(reader, parser, context, cancellationToken))
            yield return page;
    }

    private static async IAsyncEnumerable<SourcePage> ReadPagesAsync(LineReader reader, ILineRecordParser parser, SourceContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            var cursor = new FileCursor(reader.NextOffset, reader.NextNumber);
            var records = await ReadPageAsync(reader, parser, context.BatchSize, cancellationToken);
            if (records.Count == 0)
                yield break;
            yield return SourcePage.Of(cursor.ToString(), records);
            if (records.Count < context.BatchSize)
                yield break;
        }
    }

    /// <summary>Reads the page that starts at the cursor again: the same lines, as long as the file was not changed.</summary>
    public static async Task<SourcePage> FetchPageAsync(string path, Func<ILineRecordParser> createParser, string cursor, SourceContext context,
        Action<string>? beforeOpen, CancellationToken cancellationToken)
    {
        var start = FileCursor.Parse(cursor);
        var parser = createParser();
        beforeOpen?.Invoke(path);
        await using (var header = await LineReader.OpenAsync(path, 0, 1, cancellationToken))
            await parser.ReadPreambleAsync(header, cancellationToken);
        await using var reader = await LineReader.OpenAsync(path, start.Offset, start.Line, cancellationToken);
        var records = await ReadPageAsync(reader, parser, context.BatchSize, cancellationToken);
        return SourcePage.Of(cursor, records);
    }

    private static async Task<List<Record>> ReadPageAsync(LineReader reader, ILineRecordParser parser, int size, CancellationToken cancellationToken)
    {
        var records = new List<Record>(Math.Min(size, 4096));
        while (records.Count < size && await parser.NextAsync(reader, cancellationToken) is { } record)
            records.Add(record);
        return records;
    }
}
