namespace Resync.Connectors.Http;

/// <summary>What an HTTP JSON source reads and how.</summary>
public sealed record HttpSourceOptions
{
    /// <summary>The collection's URL (absolute http or https), with any fixed query parameters.</summary>
    public required string Url { get; init; }

    /// <summary>How the source pages. The default is one request for everything.</summary>
    public HttpPaging Paging { get; init; } = HttpPaging.None;

    /// <summary>The dotted JSON path of the records array, e.g. <c>data.items</c>; null: the body is the array.</summary>
    public string? RecordsPath { get; init; }

    /// <summary>The field that holds each record's key. The default is <c>id</c>.</summary>
    public string KeyField { get; init; } = "id";

    /// <summary>The query parameter that receives the watermark (delta pulls); null: always read everything.</summary>
    public string? ChangedSinceParam { get; init; }

    /// <summary>The field whose highest value in a page is the page's watermark (an ISO-8601 timestamp, compared as text).</summary>
    public string? WatermarkField { get; init; }

    /// <summary>A URL template for one record, e.g. <c>https://api.example.com/contacts/{key}</c>: enables fetching by key.</summary>
    public string? ItemUrl { get; init; }

    /// <summary>The dotted JSON path of the record in the item URL's answer; null: the body is the record.</summary>
    public string? ItemPath { get; init; }

    /// <summary>Credentials, headers, timeout and retry.</summary>
    public HttpCallSettings Call { get; init; } = new();

    internal void Validate()
    {
        HttpUrls.RequireAbsolute(Url, "url");
        if (ItemUrl is not null)
        {
            HttpUrls.RequireAbsolute(ItemUrl, "itemUrl");
            if (!ItemUrl.Contains("{key}", StringComparison.Ordinal))
                throw new ArgumentException("itemUrl needs a '{key}' placeholder");
        }
        if ((ChangedSinceParam is null) != (WatermarkField is null))
            throw new ArgumentException("give 'changedSince' and 'watermarkField' together: the watermark sent as changedSince is the highest watermarkField value of a successful run");
        ArgumentException.ThrowIfNullOrEmpty(KeyField, "keyField");
        Paging.Validate();
        Call.Validate();
    }
}
