namespace Resync.Connectors.Http;

/// <summary>How an HTTP source walks through the pages of a collection.</summary>
public enum HttpPagingStyle
{
    /// <summary>One request returns everything.</summary>
    None,

    /// <summary>A page number parameter (<c>?page=1</c>, <c>?page=2</c>, …); pages are prefetched concurrently.</summary>
    Page,

    /// <summary>Offset and limit parameters (<c>?offset=0&amp;limit=1000</c>); pages are prefetched concurrently.</summary>
    Offset,

    /// <summary>An opaque cursor taken from each response and sent back as a parameter.</summary>
    Cursor,

    /// <summary>The next page's URL, from the response body or the <c>Link</c> header (<c>rel="next"</c>).</summary>
    NextLink,
}
