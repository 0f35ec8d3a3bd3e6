using System.Globalization;
using System.Runtime.CompilerServices;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Samples.Plugin;

/// <summary>
/// A source of your own: temperature readings from a (pretend) sensor network. Pages follow the link's
/// batch size; the cursor is the page number, so a page can be fetched again (Retry Failures). Every
/// tenth reading has no temperature, to show a record error raised by a step.
/// </summary>
public sealed class SensorReadingsSource(int count) : ISource
{
    public async IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pages = (count + context.BatchSize - 1) / context.BatchSize;
        for (var page = 1; page <= pages; page++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Page(page, context.BatchSize);
            await Task.Yield();
        }
    }

    public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        Task.FromResult(Page(int.Parse(cursor, CultureInfo.InvariantCulture), context.BatchSize));

    private SourcePage Page(int page, int size)
    {
        var records = new List<Record>();
        for (var i = (page - 1) * size + 1; i <= Math.Min(count, page * size); i++)
        {
            var id = $"sensor-{i:D3}";
            records.Add(new Record(id, new Dictionary<string, object?>
            {
                ["id"] = id,
                ["celsius"] = i % 10 == 0 ? null : Math.Round(15 + (i % 7) * 1.5m, 1),
            }));
        }
        return SourcePage.Of(page.ToString(CultureInfo.InvariantCulture), records);
    }
}
