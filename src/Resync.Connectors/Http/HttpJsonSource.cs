using System.Globalization;
using System.Runtime.CompilerServices;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Connectors.Http;

/// <summary>
/// Reads records from a JSON API over HTTP, page by page: page-number and offset pagination with a
/// prefetch window (pages fetched concurrently, yielded in order, up to the first empty page), cursor and
/// next-link pagination, delta pulls through a "changed since" parameter, bearer/basic/API-key auth,
/// a per-request timeout, and a bounded retry of ephemeral failures honouring <c>Retry-After</c>.
/// A page that fails on its own becomes a failed page (a batch error) whose cursor — the page's URL,
/// without credentials — fetches it again.
/// </summary>
public sealed class HttpJsonSource : ISource
{
    /// <summary>Page-number and offset pagination stop after this many failed pages in a row (the API is down, or answers errors past the end).</summary>
    internal const int MaxFailedPagesInARow = 10;

    private readonly HttpSourceOptions _options;
    private readonly HttpCaller _caller;

    public HttpJsonSource(HttpSourceOptions options)
    {
        options.Validate();
        _options = options;
        _caller = new HttpCaller(options.Call);
    }

    /// <summary>The source for the options: one that can also fetch a record by key when <see cref="HttpSourceOptions.ItemUrl"/> is set.</summary>
    public static ISource Create(HttpSourceOptions options)
    {
        var source = new HttpJsonSource(options);
        return options.ItemUrl is null ? source : new KeyedHttpJsonSource(source);
    }

    public HttpSourceOptions Options => _options;

    public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
        _options.Paging.Style is HttpPagingStyle.Page or HttpPagingStyle.Offset
            ? ReadNumberedAsync(context, cancellationToken)
            : ReadChainedAsync(context, cancellationToken);

    public async Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken)
    {
        // The cursor is the page's URL; credentials are only ever sent to the configured origin.
        if (!HttpUrls.SameOrigin(cursor, _options.Url))
            throw new ArgumentException($"the cursor '{cursor}' is not a URL of this source ({_options.Url})", nameof(cursor));
        var (page, _) = await FetchAsync(HttpUrls.WithUserinfoOf(cursor, _options.Url), context, cancellationToken);
        return page;
    }

    /// <summary>The record at the item URL, or null when the API answers 404/410.</summary>
    internal async Task<Record?> FetchByKeyAsync(string key, SourceContext context, CancellationToken cancellationToken)
    {
        var url = HttpUrls.Fill(_options.ItemUrl!, name => name == "key" ? key : null, out _)!;
        try
        {
            return await _caller.SendAsync(HttpMethod.Get, url, null,
                answer => JsonRecords.ReadItem(answer, $"The record at {url}", _options.ItemPath, _options.KeyField), context.Clock, cancellationToken);
        }
        catch (ResyncException exception) when (exception.Classification.Code is "HTTP_404" or "HTTP_410")
        {
            return null;
        }
    }

    private async IAsyncEnumerable<SourcePage> ReadNumberedAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var offsets = _options.Paging.Style == HttpPagingStyle.Offset;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var window = new Queue<(string Url, Task<(SourcePage Page, string? Next)> Fetch)>();
        long next = 0;
        void Start()
        {
            var url = NumberedUrl(next++, context);
            window.Enqueue((url, FetchAsync(url, context, stop.Token)));
        }

        try
        {
            for (var i = 0; i < _options.Paging.Concurrency; i++)
                Start();
            var failedInARow = 0;
            string? shortPage = null;
            while (window.Count > 0)
            {
                var (url, fetch) = window.Dequeue();
                var (page, _) = await fetch;
                if (page.Failure is null && page.Records.Count == 0)
                    yield break;
                if (offsets && page.Failure is null)
                {
                    // An API that caps the page size below the limit asked for would make fixed offsets skip records.
                    if (shortPage is not null)
                        throw CappedPageSize(shortPage, url);
                    if (page.Records.Count < context.BatchSize)
                        shortPage = url;
                }
                Start();
                yield return page;
                failedInARow = page.Failure is null ? 0 : failedInARow + 1;
                if (failedInARow >= MaxFailedPagesInARow && !cancellationToken.IsCancellationRequested)
                    throw TooManyFailures(page);
            }
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var (_, fetch) in window)
            {
                try
                {
                    await fetch;
                }
                catch (OperationCanceledException)
                {
                    // Prefetched past the end or stopped: nothing to keep.
                }
            }
        }
    }

    private async IAsyncEnumerable<SourcePage> ReadChainedAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var paging = _options.Paging;
        var url = FirstUrl(context, paging.Style == HttpPagingStyle.None ? null : paging.SizeParam);
        while (true)
        {
            var (page, next) = await FetchAsync(url, context, cancellationToken);
            if (page.Failure is { } failure)
            {
                yield return page;
                // The next cursor or link is in the failed answer: the pages after it cannot be read. The page keeps
                // its batch error (Retry Failures fetches it again); the run stops with a system error of the same kind.
                if (paging.Style != HttpPagingStyle.None && !cancellationToken.IsCancellationRequested)
                {
                    var classification = ErrorClassifier.Default.Classify(failure);
                    throw new ResyncException(classification with
                    {
                        Message = $"Reading stopped at {url}: the pages after it cannot be read without it ({classification.Message})",
                    }, failure);
                }
                yield break;
            }
            if (page.Records.Count == 0)
                yield break;
            yield return page;
            if (paging.Style == HttpPagingStyle.None || next is null)
                yield break;

            string following;
            if (paging.Style == HttpPagingStyle.Cursor)
            {
                following = HttpUrls.WithQuery(FirstUrl(context, paging.SizeParam), paging.CursorParam, next);
            }
            else
            {
                following = HttpUrls.Resolve(url, next);
                if (!HttpUrls.SameOrigin(following, _options.Url))
                    throw new ResyncException(new ErrorClassification(ErrorType.Runtime, Durability.Durable, ErrorCodes.UnexpectedShape,
                        $"The next link {following} leaves the source's origin ({_options.Url}); it is not followed, so that credentials stay with that server.",
                        "Point the source's url at the host the API's next links use."));
            }
            if (following == url)
                yield break;
            url = following;
        }
    }

    /// <summary>Fetches and parses one page; never throws but for cancellation.</summary>
    private async Task<(SourcePage Page, string? Next)> FetchAsync(string url, SourceContext context, CancellationToken cancellationToken)
    {
        var paging = _options.Paging;
        var nextPath = paging.Style switch
        {
            HttpPagingStyle.Cursor => paging.CursorPath,
            HttpPagingStyle.NextLink => paging.NextLinkPath,
            _ => null,
        };
        try
        {
            var (parsed, linkHeader) = await _caller.SendAsync(HttpMethod.Get, url, null,
                answer => (JsonRecords.ReadPage(answer, $"The page {url}", _options.RecordsPath, _options.KeyField, _options.WatermarkField, nextPath), answer.LinkHeader),
                context.Clock, cancellationToken);
            var next = parsed.Next;
            if (paging.Style == HttpPagingStyle.NextLink && paging.NextLinkPath is null)
                next = HttpUrls.NextFromLinkHeader(linkHeader);
            return (SourcePage.Of(HttpUrls.WithoutUserinfo(url), parsed.Records, parsed.Watermark), next);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception)
        {
            return (SourcePage.Failed(HttpUrls.WithoutUserinfo(url), exception), null);
        }
    }

    private string FirstUrl(SourceContext context, string? sizeParam)
    {
        var url = _options.Url;
        if (_options.ChangedSinceParam is { } changedSince)
            url = HttpUrls.WithQuery(url, changedSince, context.Watermark);
        if (sizeParam is not null)
            url = HttpUrls.WithQuery(url, sizeParam, context.BatchSize.ToString(CultureInfo.InvariantCulture));
        return url;
    }

    private string NumberedUrl(long index, SourceContext context)
    {
        var paging = _options.Paging;
        if (paging.Style == HttpPagingStyle.Offset)
        {
            var url = FirstUrl(context, null);
            url = HttpUrls.WithQuery(url, paging.OffsetParam, (index * context.BatchSize).ToString(CultureInfo.InvariantCulture));
            return HttpUrls.WithQuery(url, paging.LimitParam, context.BatchSize.ToString(CultureInfo.InvariantCulture));
        }
        return HttpUrls.WithQuery(FirstUrl(context, paging.SizeParam), paging.PageParam, (paging.FirstPage + index).ToString(CultureInfo.InvariantCulture));
    }

    private static ResyncException CappedPageSize(string shortPage, string laterPage) =>
        new(new ErrorClassification(ErrorType.Runtime, Durability.Durable, ErrorCodes.UnexpectedShape,
            $"The API answered fewer records than the limit at {shortPage} and more at {laterPage}: it caps the page size, so fixed offsets would skip records.",
            "Lower the link's settings.batchSize to the API's maximum page size."));

    private static ResyncException TooManyFailures(SourcePage last)
    {
        var classification = ErrorClassifier.Default.Classify(last.Failure!);
        return new ResyncException(classification with
        {
            Message = $"Reading stopped after {MaxFailedPagesInARow} failed pages in a row; the last: {classification.Message}",
        }, last.Failure);
    }
}
