namespace Resync.Connectors.Http;

/// <summary>Where an HTTP JSON target sends records and how it reads the answers.</summary>
public sealed record HttpTargetOptions
{
    /// <summary>The URL, a template with <c>{field}</c> placeholders filled from each record (per-record mode), e.g. <c>https://api.example.com/contacts/{id}</c>.</summary>
    public required string Url { get; init; }

    /// <summary>POST, PUT or PATCH. The default is POST.</summary>
    public HttpMethod Method { get; init; } = HttpMethod.Post;

    /// <summary>Send the whole batch as one JSON array and map the per-item results. The default is false (one request per record).</summary>
    public bool Bulk { get; init; }

    /// <summary>Bulk: the dotted JSON path of the per-item results array, matched to the records by index; null: the body is the array.</summary>
    public string? ResultsPath { get; init; }

    /// <summary>Bulk: the result field with the item's status (an HTTP status number, true/false, or a word such as "ok"/"error"). The default is <c>status</c>.</summary>
    public string StatusField { get; init; } = "status";

    /// <summary>Bulk: the result field that, when present and not null, marks the item as failed (a message, or an object with <see cref="MessageField"/>). The default is <c>error</c>.</summary>
    public string ErrorField { get; init; } = "error";

    /// <summary>Bulk: the field with a failed item's message (in the result or inside its error object). The default is <c>message</c>.</summary>
    public string MessageField { get; init; } = "message";

    /// <summary>Per-record mode: requests in flight at once per batch. The default is 4.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>The default <see cref="IdempotencyHeader"/>.</summary>
    public const string DefaultIdempotencyHeader = "Idempotency-Key";

    /// <summary>
    /// The request header carrying each write's idempotency key, the same in every attempt of the write (call retries, Retry
    /// Failures, resumes): an API that honours it writes a record once even when an answer was lost and the write sent again.
    /// Null turns it off. The default is <see cref="DefaultIdempotencyHeader"/>.
    /// </summary>
    public string? IdempotencyHeader { get; init; } = DefaultIdempotencyHeader;

    /// <summary>Credentials, headers, timeout and retry.</summary>
    public HttpCallSettings Call { get; init; } = new();

    /// <summary>The time source for retry delays and Retry-After dates. The default is the system clock.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        HttpUrls.RequireAbsolute(Url, "url");
        if (Method != HttpMethod.Post && Method != HttpMethod.Put && Method != HttpMethod.Patch)
            throw new ArgumentException($"method must be POST, PUT or PATCH, found {Method}");
        if (Bulk && HttpUrls.HasPlaceholder(Url))
            throw new ArgumentException("a bulk url cannot have {field} placeholders: the whole batch goes to one URL");
        if (Concurrency is < 1 or > 64)
            throw new ArgumentException($"concurrency must be between 1 and 64, found {Concurrency}");
        if (IdempotencyHeader is { } header && (header.Length == 0 || header.Any(c => c > 126 || c <= 32 || "\"(),/:;<=>?@[\\]{}".Contains(c))))
            throw new ArgumentException($"idempotencyHeader must be a header name (letters, digits and !#$%&'*+-.^_`|~), found '{header}'");
        Call.Validate();
    }
}
