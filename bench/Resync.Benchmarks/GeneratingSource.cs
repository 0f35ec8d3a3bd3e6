using System.Globalization;
using System.Runtime.CompilerServices;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Benchmarks;

/// <summary>
/// A source that makes its records on the fly, page by page, so that a run of any size holds only the pages in flight.
/// Each record has a unique key and six fields of about 300 bytes in all; the longer values come from a small pool of
/// prepared strings (a JSON parser would allocate them; here only the record, its dictionary and its key are new).
/// </summary>
internal sealed class GeneratingSource(long records, int pageSize) : ISource
{
    private const int PoolSize = 1024;
    private static readonly string[] Names = Pool(i => $"Customer {i:D5} of the benchmark tenant");
    private static readonly string[] Emails = Pool(i => $"customer{i:D5}@example.org");
    private static readonly string[] Phones = Pool(i => $"+41 44 {i:D3} 12 34");
    private static readonly string[] Addresses = Pool(i =>
        $"Bahnhofstrasse {i}, Building {i % 7}, Floor {i % 9}, 8001 Zurich, Switzerland; deliveries at the back door; ask for the desk at reception {i:D5}");

    public static Dictionary<string, object?> MakeFields(long index, string key) => new(6)
    {
        ["id"] = key,
        ["name"] = Names[index % PoolSize],
        ["email"] = Emails[index % PoolSize],
        ["phone"] = Phones[index % PoolSize],
        ["address"] = Addresses[index % PoolSize],
        ["amount"] = index * 3,
    };

    public static Record[] MakePage(long first, int count)
    {
        var page = new Record[count];
        for (var i = 0; i < count; i++)
        {
            var index = first + i;
            var key = index.ToString(CultureInfo.InvariantCulture);
            page[i] = new Record(key, MakeFields(index, key));
        }
        return page;
    }

    public async IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        for (long first = 0; first < records; first += pageSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = (int)Math.Min(pageSize, records - first);
            yield return SourcePage.Of(first.ToString(CultureInfo.InvariantCulture), MakePage(first, count));
        }
    }

    public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken)
    {
        var first = long.Parse(cursor, CultureInfo.InvariantCulture);
        return Task.FromResult(SourcePage.Of(cursor, MakePage(first, (int)Math.Min(pageSize, records - first))));
    }

    private static string[] Pool(Func<int, string> make) => [.. Enumerable.Range(0, PoolSize).Select(make)];
}
