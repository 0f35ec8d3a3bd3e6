using Resync.Connectors.Breakers;
using Resync.Connectors.Network;
using Resync.Core.Sdk;

namespace Resync.Connectors.Http;

/// <summary>
/// Registers the HTTP JSON source and target (<c>type: http</c>) with a link-file catalog. The retry of single
/// calls comes from the link's <c>settings.retry</c> (attempts, delay), like the SQL connectors' (one <see cref="Retry.CallPipeline"/>).
/// </summary>
public static class HttpConnectors
{
    private static readonly ConfigSchema Auth = new(
        new KeySpec("type", ValueKind.Text, "The kind of credentials.") { Default = "none", Allowed = ["none", "bearer", "basic", "apiKey"] },
        new KeySpec("token", ValueKind.Text, "bearer: the token, e.g. ${env:API_TOKEN}."),
        new KeySpec("user", ValueKind.Text, "basic: the user name."),
        new KeySpec("password", ValueKind.Text, "basic: the password, e.g. ${env:API_PASSWORD}."),
        new KeySpec("header", ValueKind.Text, "apiKey: the header that carries the key, e.g. X-Api-Key."),
        new KeySpec("query", ValueKind.Text, "apiKey: the query parameter that carries the key (instead of a header)."),
        new KeySpec("key", ValueKind.Text, "apiKey: the key, e.g. ${env:API_KEY}."));

    private static readonly ConfigSchema Pagination = new(
        new KeySpec("style", ValueKind.Text, "How the API pages.") { Default = "none", Allowed = ["none", "page", "offset", "cursor", "nextLink"] },
        new KeySpec("pageParam", ValueKind.Text, "page: the page number parameter.") { Default = "page" },
        new KeySpec("firstPage", ValueKind.Integer, "page: the first page's number.") { Default = "1" },
        new KeySpec("sizeParam", ValueKind.Text, "page, cursor, nextLink: the page size parameter, sent with settings.batchSize (not sent when absent)."),
        new KeySpec("offsetParam", ValueKind.Text, "offset: the offset parameter.") { Default = "offset" },
        new KeySpec("limitParam", ValueKind.Text, "offset: the limit parameter, sent with settings.batchSize.") { Default = "limit" },
        new KeySpec("cursorParam", ValueKind.Text, "cursor: the parameter the next cursor is sent in.") { Default = "cursor" },
        new KeySpec("cursorPath", ValueKind.Text, "cursor: the dotted JSON path of the next cursor in the answer (required), e.g. meta.next."),
        new KeySpec("nextLinkPath", ValueKind.Text, "nextLink: the dotted JSON path of the next page's URL; absent: the Link header's rel=\"next\"."),
        new KeySpec("concurrency", ValueKind.Integer, "page, offset: pages fetched at once (yielded in order).") { Default = "4" });

    private static readonly KeySpec[] CallKeys =
    [
        new("auth", ValueKind.Section, "Credentials sent with every request.") { Nested = Auth },
        new("headers", ValueKind.TextMap, "Extra request headers."),
        new("timeout", ValueKind.Duration, "How long one request may take, body included.") { Default = "30s" },
        new("maxRetryAfter", ValueKind.Duration, "The longest Retry-After waited for within a call; longer fails the call (RateLimit).") { Default = "1m" },
    ];

    /// <summary>Adds the HTTP source and target; their connections obey <paramref name="network"/> (default: unrestricted).</summary>
    /// <param name="breakers">
    /// The circuit breakers the connectors' calls go through, one per host, shared by every link the catalog builds
    /// (default: new ones on the system clock with the default options).
    /// </param>
    public static ComponentCatalog AddHttpConnectors(this ComponentCatalog catalog, OutboundNetworkPolicy? network = null, ConnectionBreakers? breakers = null)
    {
        var shared = breakers ?? new ConnectionBreakers(TimeProvider.System);
        return catalog
        .AddSource("http", "A JSON API over HTTP: page/offset/cursor/next-link pagination, delta pulls, bearer/basic/API-key auth, Retry-After.",
            new ConfigSchema([
                new KeySpec("url", ValueKind.Text, "The collection's URL, with any fixed query parameters.") { Required = true },
                new KeySpec("pagination", ValueKind.Section, "How the API pages.") { Nested = Pagination },
                new KeySpec("recordsPath", ValueKind.Text, "The dotted JSON path of the records array, e.g. data.items.") { Default = "the body is the array" },
                new KeySpec("keyField", ValueKind.Text, "The field with each record's key.") { Default = "id" },
                new KeySpec("changedSince", ValueKind.Text, "The query parameter that receives the watermark (delta pulls); needs watermarkField."),
                new KeySpec("watermarkField", ValueKind.Text, "The field whose highest value (an ISO-8601 timestamp) becomes the watermark."),
                new KeySpec("itemUrl", ValueKind.Text, "A URL template for one record, e.g. https://api.example.com/contacts/{key} (fetch by key for stale retry protection)."),
                new KeySpec("itemPath", ValueKind.Text, "The dotted JSON path of the record in the item URL's answer.") { Default = "the body is the record" },
                .. CallKeys,
            ]),
            (config, context) =>
            {
                var pagination = config.Section("pagination");
                var paging = new HttpPaging();
                if (pagination is not null)
                {
                    paging = new HttpPaging
                    {
                        Style = Enum.Parse<HttpPagingStyle>(pagination.Text("style", "none"), ignoreCase: true),
                        PageParam = pagination.Text("pageParam", paging.PageParam),
                        FirstPage = pagination.Integer("firstPage") ?? paging.FirstPage,
                        SizeParam = pagination.Text("sizeParam"),
                        OffsetParam = pagination.Text("offsetParam", paging.OffsetParam),
                        LimitParam = pagination.Text("limitParam", paging.LimitParam),
                        CursorParam = pagination.Text("cursorParam", paging.CursorParam),
                        CursorPath = pagination.Text("cursorPath"),
                        NextLinkPath = pagination.Text("nextLinkPath"),
                        Concurrency = pagination.Integer("concurrency", paging.Concurrency),
                    };
                }
                return HttpJsonSource.Create(new HttpSourceOptions
                {
                    Url = config.Text("url", ""),
                    Paging = paging,
                    RecordsPath = config.Text("recordsPath"),
                    KeyField = config.Text("keyField", "id"),
                    ChangedSinceParam = config.Text("changedSince"),
                    WatermarkField = config.Text("watermarkField"),
                    ItemUrl = config.Text("itemUrl"),
                    ItemPath = config.Text("itemPath"),
                    Call = CallSettings(config, context, network ?? OutboundNetworkPolicy.Unrestricted, shared),
                });
            })
        .AddTarget("http", "A JSON API over HTTP: one request per record, or bulk requests whose per-item results become record outcomes.",
            new ConfigSchema([
                new KeySpec("url", ValueKind.Text, "The URL; per record a template with {field} placeholders, e.g. https://api.example.com/contacts/{id}.") { Required = true },
                new KeySpec("method", ValueKind.Text, "The HTTP method.") { Default = "POST", Allowed = ["POST", "PUT", "PATCH"] },
                new KeySpec("bulk", ValueKind.Boolean, "Send each batch as one JSON array and map the per-item results.") { Default = "false" },
                new KeySpec("resultsPath", ValueKind.Text, "bulk: the dotted JSON path of the per-item results array (matched by index).") { Default = "the body is the array" },
                new KeySpec("statusField", ValueKind.Text, "bulk: the result field with the item's status (HTTP status, true/false, ok/error).") { Default = "status" },
                new KeySpec("errorField", ValueKind.Text, "bulk: the result field that marks a failed item (a message or an object).") { Default = "error" },
                new KeySpec("messageField", ValueKind.Text, "bulk: the field with a failed item's message.") { Default = "message" },
                new KeySpec("concurrency", ValueKind.Integer, "per record: requests in flight at once per batch.") { Default = "4" },
                new KeySpec("idempotencyKey", ValueKind.Boolean,
                    "Send each write's idempotency key (the same in every retry of it): an API honouring it writes a record once even when an answer was lost.") { Default = "true" },
                new KeySpec("idempotencyHeader", ValueKind.Text, "The header carrying the idempotency key.") { Default = HttpTargetOptions.DefaultIdempotencyHeader },
                .. CallKeys,
            ]),
            (config, context) => new HttpJsonTarget(new HttpTargetOptions
            {
                Url = config.Text("url", ""),
                Method = new HttpMethod(config.Text("method", "POST").ToUpperInvariant()),
                Bulk = config.Boolean("bulk", false),
                ResultsPath = config.Text("resultsPath"),
                StatusField = config.Text("statusField", "status"),
                ErrorField = config.Text("errorField", "error"),
                MessageField = config.Text("messageField", "message"),
                Concurrency = config.Integer("concurrency", 4),
                IdempotencyHeader = config.Boolean("idempotencyKey", true) ? config.Text("idempotencyHeader", HttpTargetOptions.DefaultIdempotencyHeader) : null,
                Call = CallSettings(config, context, network ?? OutboundNetworkPolicy.Unrestricted, shared),
            }));
    }

    private static HttpCallSettings CallSettings(ConfigSection config, ComponentContext context, OutboundNetworkPolicy network, ConnectionBreakers breakers)
    {
        var defaults = new HttpCallSettings();
        return new HttpCallSettings
        {
            Auth = AuthOf(config.Section("auth")),
            Headers = config.TextMap("headers") ?? defaults.Headers,
            Timeout = config.Duration("timeout") ?? defaults.Timeout,
            MaxRetryAfter = config.Duration("maxRetryAfter") ?? defaults.MaxRetryAfter,
            RetryAttempts = context.Settings.CallRetryAttempts,
            RetryDelay = context.Settings.CallRetryDelay,
            Network = network,
            Breakers = breakers,
            BreakerScope = context.Tenant,
        };
    }

    private static HttpAuth AuthOf(ConfigSection? auth)
    {
        if (auth is null)
            return HttpAuth.None;
        string Need(string key, string kind)
        {
            var value = auth.Text(key);
            if (string.IsNullOrEmpty(value))
                auth.Problem(key, $"{kind} auth needs '{key}'");
            return value ?? "-";
        }
        switch (auth.Text("type", "none").ToLowerInvariant())
        {
            case "bearer":
                return HttpAuth.Bearer(Need("token", "bearer"));
            case "basic":
                return HttpAuth.Basic(Need("user", "basic"), auth.Text("password", ""));
            case "apikey":
                var key = Need("key", "apiKey");
                if (auth.Text("query") is { } query)
                {
                    if (auth.Has("header"))
                        auth.Problem("header", "give 'header' or 'query', not both");
                    return HttpAuth.ApiKeyQuery(query, key);
                }
                return HttpAuth.ApiKeyHeader(Need("header", "apiKey"), key);
            default:
                return HttpAuth.None;
        }
    }
}
