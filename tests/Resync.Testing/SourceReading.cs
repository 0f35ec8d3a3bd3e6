using Resync.Core.Sdk;

namespace Resync.Testing;

/// <summary>Reads a source's pages to the end, from the start or after a page (a resume).</summary>
public static class SourceReading
{
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
