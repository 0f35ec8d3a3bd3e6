using System.Runtime.CompilerServices;
using System.Text.Json;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Connectors.Push;

/// <summary>
/// The source of a push (webhook) link: its records come in the body of a request to the link's push endpoint,
/// not from a pull. The link file declares it (<c>source: {type: push}</c>) with the field that holds each
/// record's key and an optional error message template; each push becomes a run over
/// <see cref="WithRecords"/>'s source.
/// </summary>
public sealed class PushSource(string keyField = "id", string? errorMessage = null) : IPushSource
{
    /// <summary>The field whose value is each record's key. The default is <c>id</c>.</summary>
    public string KeyField { get; } = keyField;

    /// <summary>
    /// The message a synchronous push answers for a failing record, with placeholders <c>{index}</c>, <c>{key}</c>,
    /// <c>{code}</c>, <c>{type}</c>, <c>{field}</c> and <c>{message}</c>; null: the error's own message.
    /// </summary>
    public string? ErrorMessage { get; } = errorMessage;

    /// <summary>A source over one push's records, in pages of the link's batch size.</summary>
    public ISource WithRecords(IReadOnlyList<Record> records) => WithRecords(records, firstBatchWithRun: true);

    /// <summary>
    /// A source over one push's records; with <paramref name="firstBatchWithRun"/>, its first page is in hand
    /// (<see cref="IFirstPageInHandSource"/>): a run of it notes that batch's start in its opening commit.
    /// </summary>
    public ISource WithRecords(IReadOnlyList<Record> records, bool firstBatchWithRun) => new PushedRecords(records, KeyField, firstBatchWithRun);

    /// <summary>
    /// Reads a push body: one record object, an array of them, or <c>{"records": [...]}</c>. Throws
    /// <see cref="JsonException"/> when it is not JSON or not of that shape, and <see cref="PushTooLargeException"/>
    /// when it holds more than <paramref name="maxRecords"/> records.
    /// </summary>
    public IReadOnlyList<Record> ReadBody(ReadOnlySpan<byte> body, int maxRecords)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("records", out var wrapped))
            root = wrapped;
        if (root.ValueKind == JsonValueKind.Object)
            return [ToRecord(root, 0)];
        if (root.ValueKind != JsonValueKind.Array)
            throw new JsonException($"The body is one record (a JSON object), an array of records or {{\"records\": [...]}}, found {Kind(root)}.");
        var count = root.GetArrayLength();
        if (count > maxRecords)
            throw new PushTooLargeException(count, maxRecords);
        var records = new List<Record>(count);
        var index = 0;
        foreach (var item in root.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
                throw new JsonException($"Record {index} is not a JSON object but {Kind(item)}.");
            records.Add(ToRecord(item, index++));
        }
        return records;
    }

    public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
        throw new ResyncException(new ErrorClassification(ErrorType.Runtime, Durability.Durable, ErrorCodes.Unexpected,
            $"Link '{context.LinkId}' receives its records by push; it has nothing to pull.",
            "Send records to the link's push endpoint (POST /api/v1/links/{id}/push) instead of starting a run."));

    /// <summary>Pushed records come once: a failed batch of a push is rebuilt from its records' snapshots instead.</summary>
    public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"Pushed records of link '{context.LinkId}' cannot be fetched again by cursor; they are retried from their snapshots.");

    private Record ToRecord(JsonElement item, int index)
    {
        var fields = RecordJson.ToFields(item);
        var key = fields.TryGetValue(KeyField, out var value) && value is not null ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;
        _ = index;
        return new Record(key, fields);
    }

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();

    /// <summary>
    /// One push's records, in pages; the cursor is the page's first index, so a page can be taken again. Held: a run that stops
    /// keeps the pages it did not read. Its key field is checked against the first page like a pull source's. Its first page may
    /// be given as in hand: the run then notes that batch's start in its own opening commit.
    /// </summary>
    private sealed class PushedRecords(IReadOnlyList<Record> records, string keyField, bool firstPageInHand) : ISource, IHeldRecordsSource, IKeyFieldSource,
        IFirstPageInHandSource
    {
        public string KeyField { get; } = keyField;

        public SourcePage? FirstPage(int batchSize) => firstPageInHand && records.Count > 0 ? Page(0, batchSize) : null;

        public bool FirstPageIsAll(int batchSize) => records.Count <= batchSize;

        public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
            PagesFrom(0, context.BatchSize, cancellationToken);

        public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
            Task.FromResult(Page(int.Parse(cursor, System.Globalization.CultureInfo.InvariantCulture), context.BatchSize));

        public IAsyncEnumerable<SourcePage> ReadAfterAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
            PagesFrom(int.Parse(cursor, System.Globalization.CultureInfo.InvariantCulture) + context.BatchSize, context.BatchSize, cancellationToken);

        private async IAsyncEnumerable<SourcePage> PagesFrom(int first, int size, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var start = first; start < records.Count; start += size)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return Page(start, size);
            }
            await Task.CompletedTask;
        }

        private SourcePage Page(int start, int size)
        {
            var count = Math.Min(size, records.Count - start);
            var page = new Record[count];
            for (var i = 0; i < count; i++)
                page[i] = records[start + i];
            return SourcePage.Of(start.ToString(System.Globalization.CultureInfo.InvariantCulture), page);
        }
    }
}
