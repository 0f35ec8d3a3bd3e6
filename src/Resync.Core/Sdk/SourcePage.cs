using Resync.Core.Records;

namespace Resync.Core.Sdk;

/// <summary>
/// One page from a source: it becomes one batch. A page that could not be fetched carries its failure
/// instead of records (a batch error), so that the run can go on with the next page.
/// </summary>
public sealed class SourcePage
{
    private SourcePage(string cursor, IReadOnlyList<Record> records, Exception? failure, string? watermark, Task<SourcePage>? arrival = null)
    {
        Cursor = cursor;
        Records = records;
        Failure = failure;
        Watermark = watermark;
        Arrival = arrival;
    }

    /// <summary>What fetches this page again (page number, offset, cursor token or URL).</summary>
    public string Cursor { get; }

    public IReadOnlyList<Record> Records { get; }

    /// <summary>
    /// True when the records were made for this read alone (e.g. parsed from an answer) and nothing else holds them: the
    /// engine may then change them in place as the steps run, instead of copying each record to keep its "before" snapshot.
    /// False (the default) for records a source keeps or hands out again (in memory, held pushes).
    /// </summary>
    public bool RecordsAreFresh { get; private init; }

    /// <summary>Why the page could not be fetched, or null.</summary>
    public Exception? Failure { get; }

    /// <summary>The highest change marker seen in the page (for the link's watermark), if the source tracks one.</summary>
    public string? Watermark { get; }

    /// <summary>
    /// For a page still being fetched (<see cref="Pending"/>): the page once it has arrived (its records or its failure), or
    /// cancelled when the read is. Null for a page that is here.
    /// </summary>
    public Task<SourcePage>? Arrival { get; }

    public static SourcePage Of(string cursor, IReadOnlyList<Record> records, string? watermark = null) => new(cursor, records, null, watermark);

    /// <summary>A page of records made for this read alone (see <see cref="RecordsAreFresh"/>).</summary>
    public static SourcePage Fresh(string cursor, IReadOnlyList<Record> records, string? watermark = null) =>
        new(cursor, records, null, watermark) { RecordsAreFresh = true };

    public static SourcePage Failed(string cursor, Exception failure) => new(cursor, [], failure, null);

    /// <summary>
    /// A page whose place in the source's order is known but whose answer is still coming (e.g. retried after a 429), so
    /// that the pages after it can be taken meanwhile. Only yielded when <see cref="SourceContext.TakesPendingPages"/>;
    /// <paramref name="arrival"/> must not complete with another pending page.
    /// </summary>
    public static SourcePage Pending(string cursor, Task<SourcePage> arrival) => new(cursor, [], null, null, arrival);
}
