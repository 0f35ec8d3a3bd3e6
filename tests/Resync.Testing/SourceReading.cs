using Resync.Core.Sdk;
using Record = Resync.Core.Records.Record;

namespace Resync.Testing;

/// <summary>Reads a source's pages to the end, from the start or after a page (a resume).</summary>
public static class SourceReading
{
    /// <summary>The context of run 1 of a link, read from the start on the system clock.</summary>
    public static SourceContext Context(int batchSize, string linkId = "test") => new(linkId, 1, null, batchSize, TimeProvider.System);

    public static Task<List<SourcePage>> ReadAllAsync(ISource source, int batchSize) => ReadAllAsync(source, Context(batchSize));

    /// <summary>The records of <paramref name="pages"/>, in order.</summary>
    public static List<Record> Records(IEnumerable<SourcePage> pages) => [.. pages.SelectMany(page => page.Records)];

    public static async Task<List<SourcePage>> ReadAllAsync(ISource source, SourceContext context)
    {
        var pages = new List<SourcePage>();
        await foreach (var page in source.ReadAsync(context, CancellationToken.None))
            pages.Add(page);
        return pages;
    }

    public static async Task<List<SourcePage>> ReadAfterAsync(ISource source, string cursor, SourceContext context)
    {
        var resumable = source as IResumableSource ?? throw new InvalidOperationException($"{source.GetType().Name} cannot resume.");
        var pages = new List<SourcePage>();
        await foreach (var page in resumable.ReadAfterAsync(cursor, context, CancellationToken.None))
            pages.Add(page);
        return pages;
    }
}
