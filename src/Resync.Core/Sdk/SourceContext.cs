namespace Resync.Core.Sdk;

/// <summary>What a source is told when asked for pages.</summary>
/// <param name="LinkId">The link being run.</param>
/// <param name="RunId">The run.</param>
/// <param name="Watermark">The link's last successful sync point: ask only for records changed since (null: everything).</param>
/// <param name="BatchSize">Records per page wanted.</param>
/// <param name="Clock">The time source.</param>
public sealed record SourceContext(string LinkId, long RunId, string? Watermark, int BatchSize, TimeProvider Clock)
{
    /// <summary>
    /// The reader takes pages whose answer is still coming (<see cref="SourcePage.Pending"/>) and keeps them in their place:
    /// a source may then hand over a page that is being retried and go on with the pages after it. False (the default)
    /// for readers that need each page's records as it is yielded, and for sequential processing, whose order is exact.
    /// </summary>
    public bool TakesPendingPages { get; init; }
}
