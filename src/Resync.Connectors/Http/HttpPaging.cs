namespace Resync.Connectors.Http;

/// <summary>How an HTTP source pages, with the parameter names the API uses.</summary>
public sealed record HttpPaging
{
    /// <summary>Everything in one request.</summary>
    public static HttpPaging None { get; } = new();

    /// <summary>The style. The default is <see cref="HttpPagingStyle.None"/>.</summary>
    public HttpPagingStyle Style { get; init; } = HttpPagingStyle.None;

    /// <summary>The page number parameter (page style). The default is <c>page</c>.</summary>
    public string PageParam { get; init; } = "page";

    /// <summary>The first page's number (page style). The default is 1.</summary>
    public long FirstPage { get; init; } = 1;

    /// <summary>The page size parameter, sent with the link's batch size (page and cursor styles, and the first request of nextLink); null: not sent.</summary>
    public string? SizeParam { get; init; }

    /// <summary>The offset parameter (offset style). The default is <c>offset</c>.</summary>
    public string OffsetParam { get; init; } = "offset";

    /// <summary>The limit parameter, sent with the link's batch size (offset style). The default is <c>limit</c>.</summary>
    public string LimitParam { get; init; } = "limit";

    /// <summary>The cursor parameter (cursor style). The default is <c>cursor</c>.</summary>
    public string CursorParam { get; init; } = "cursor";

    /// <summary>The dotted JSON path of the next cursor in a response (cursor style, required), e.g. <c>meta.next_cursor</c>.</summary>
    public string? CursorPath { get; init; }

    /// <summary>The dotted JSON path of the next page's URL (nextLink style); null: the <c>Link</c> header's <c>rel="next"</c>.</summary>
    public string? NextLinkPath { get; init; }

    /// <summary>Pages fetched at once, yielded in order (page and offset styles). The default is 4.</summary>
    public int Concurrency { get; init; } = 4;

    internal void Validate()
    {
        if (Style == HttpPagingStyle.Cursor && string.IsNullOrEmpty(CursorPath))
            throw new ArgumentException("cursor pagination needs 'cursorPath' (where the next cursor is in the response)");
        if (Concurrency is < 1 or > 64)
            throw new ArgumentException($"concurrency must be between 1 and 64, found {Concurrency}");
    }
}
