using System.Globalization;
using System.Runtime.CompilerServices;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Connectors.Demo;

/// <summary>
/// A deterministic stand-in for a contacts API: the same records every time, pages of the link's batch size,
/// a few bad records of every kind (too-long phone, blank or malformed email, archived, over-long notes)
/// and one page that answers with an HTML error page instead of JSON. Supports delta pulls by updated_at.
/// </summary>
public sealed class DemoContactsSource(int total, int failingPage) : ISource, IResumableSource
{
    /// <summary>The time the demo's records were last changed: record i at this time plus i minutes.</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
        ReadFromAsync(1, context, cancellationToken);

    /// <summary>The pages after the given one (page numbers are the cursors).</summary>
    public IAsyncEnumerable<SourcePage> ReadAfterAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        ReadFromAsync(int.Parse(cursor, CultureInfo.InvariantCulture) + 1, context, cancellationToken);

    private async IAsyncEnumerable<SourcePage> ReadFromAsync(int firstPage, SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pages = (total + context.BatchSize - 1) / context.BatchSize;
        for (var page = firstPage; page <= pages; page++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return page == failingPage ? FailedPage(page) : Page(page, context);
            await Task.Yield();
        }
    }

    /// <summary>A page fetched again (Retry Failures) answers properly: the outage was passing.</summary>
    public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        Task.FromResult(Page(int.Parse(cursor, CultureInfo.InvariantCulture), context));

    /// <summary>The demo record number <paramref name="i"/> (1-based).</summary>
    public static Record Contact(int i)
    {
        var id = $"c-{i:D5}";
        return new Record(id, new Dictionary<string, object?>(8)
        {
            ["id"] = id,
            ["name"] = $"Contact {i}",
            ["email"] = i % 97 == 0 ? "" : i % 89 == 0 ? $"contact{i}.example.com" : $"contact{i}@example.com",
            ["phone"] = i % 53 == 0 ? $"+1 555 {i:D4} ext. 1234567890 1234567890 1234567890 12" : $"+1 555 {i:D4}",
            ["company"] = $"Company {i % 50}",
            ["notes"] = i % 71 == 0 ? new string('n', 300) : "",
            ["status"] = i % 41 == 0 ? "archived" : "active",
            ["updated_at"] = Epoch.AddMinutes(i).ToString("O", CultureInfo.InvariantCulture),
        });
    }

    private SourcePage Page(int page, SourceContext context)
    {
        var first = (page - 1) * context.BatchSize + 1;
        var last = Math.Min(total, page * context.BatchSize);
        var records = new List<Record>(last - first + 1);
        string? highest = null;
        for (var i = first; i <= last; i++)
        {
            var record = Contact(i);
            var updated = (string)record["updated_at"]!;
            if (context.Watermark is not null && string.CompareOrdinal(updated, context.Watermark) <= 0)
                continue;
            records.Add(record);
            highest = updated;
        }
        return SourcePage.Of(page.ToString(CultureInfo.InvariantCulture), records, highest);
    }

    private static SourcePage FailedPage(int page) => SourcePage.Failed(page.ToString(CultureInfo.InvariantCulture), new ResyncException(
        new ErrorClassification(ErrorType.IncompleteData, Durability.Ephemeral, ErrorCodes.InvalidJson,
            $"Page {page} is not valid JSON: received HTTP 200, content type text/html, 118 bytes starting '<html><head><title>502 Bad Gateway</title>'",
            "The API's gateway answered with an error page. Usually passing: use Retry Failures to fetch this page again.")));
}
