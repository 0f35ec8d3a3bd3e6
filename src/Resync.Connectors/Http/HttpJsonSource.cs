using System.Globalization;
using System.Runtime.CompilerServices;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Connectors.Http;

/// <summary>
/// Reads records from a JSON API over HTTP, page by page: page-number and offset pagination with a
/// prefetch window (pages fetched concurrently, yielded in order, up to the first empty page; a page being retried is handed
/// over as pending so that the pages after it go on, where the reader takes pending pages), cursor and
/// next-link pagination, delta pulls through a "changed since" parameter, bearer/basic/API-key auth,
/// a per-request timeout, and a bounded retry of ephemeral failures honouring <c>Retry-After</c>.
/// A page that fails on its own becomes a failed page (a batch error) whose cursor — the page's URL,
/// without credentials — fetches it again. A run that stopped partway resumes after its last page: numbered styles
/// go on from the page number or offset in that page's URL; cursor and next-link styles fetch that page again for the
/// cursor or link to the one after it.
/// </summary>
public sealed class HttpJsonSource : ISource, IResumableSource, IKeyFieldSource, IDisposable
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

    /// <summary>Closes the source's HTTP client and its pooled connections.</summary>
    public void Dispose() => _caller.Dispose();

    public HttpSourceOptions Options => _options;

    public string KeyField => _options.KeyField;

    public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
        _options.Paging.Style switch
        {
            HttpPagingStyle.Page => ReadNumberedAsync(NumberedBase(context), _options.Paging.FirstPage, context, cancellationToken),
            HttpPagingStyle.Offset => ReadNumberedAsync(NumberedBase(context), 0, context, cancellationToken),
            _ => ReadChainedAsync(FirstUrl(context, _options.Paging.Style == HttpPagingStyle.None ? null : _options.Paging.SizeParam), skipFirst: false, context, cancellationToken),
        };

    /// <summary>
    /// The pages after the page whose URL is <paramref name="cursor"/>. Numbered styles continue from the number or offset
    /// in it, keeping its other parameters (so a resume asks for the same "changed since" as the run it continues).
    /// </summary>
    public IAsyncEnumerable<SourcePage> ReadAfterAsync(string cursor, SourceContext context, CancellationToken cancellationToken)
    {
        if (!HttpUrls.SameOrigin(cursor, _options.Url))
            throw new ArgumentException($"the cursor '{cursor}' is not a URL of this source ({_options.Url})", nameof(cursor));
        var paging = _options.Paging;
        switch (paging.Style)
        {
            case HttpPagingStyle.None:
                return AsyncEnumerable.Empty<SourcePage>();
            case HttpPagingStyle.Page:
                var page = NumberIn(cursor, paging.PageParam);
                return ReadNumberedAsync(HttpUrls.WithoutQuery(cursor, paging.PageParam), page + 1, context, cancellationToken);
            case HttpPagingStyle.Offset:
                var offset = NumberIn(cursor, paging.OffsetParam);
                var limit = HttpUrls.QueryValue(cursor, paging.LimitParam) is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var taken)
                    ? taken
                    : context.BatchSize;
                return ReadNumberedAsync(HttpUrls.WithoutQuery(HttpUrls.WithoutQuery(cursor, paging.OffsetParam), paging.LimitParam), offset + limit, context, cancellationToken);
            default:
                return ReadChainedAsync(cursor, skipFirst: true, context, cancellationToken);
        }
    }

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

    /// <param name="baseUrl">The URL of every page without its page number (or offset and limit).</param>
    /// <param name="first">The first page number, or the first offset.</param>
    /// <remarks>
    /// Up to <see cref="HttpPaging.Concurrency"/> pages are fetched at once and yielded in page order. When the reader takes
    /// pending pages (<see cref="SourceContext.TakesPendingPages"/>) and the next page in order is still coming (being retried,
    /// waiting for its Retry-After, timing out) while every later page of the window has arrived, it is handed over as pending
    /// and reading goes on: it keeps its place in the window until it arrives, so the window still bounds the pages in flight.
    /// </remarks>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification =
        "Each fetch's token source goes into the window with its fetch, and is disposed when the fetch leaves it or the read ends.")]
    private async IAsyncEnumerable<SourcePage> ReadNumberedAsync(string baseUrl, long first, SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var offsets = _options.Paging.Style == HttpPagingStyle.Offset;
        var window = new Queue<(string Url, Task<(SourcePage Page, string? Next)> Fetch, CancellationTokenSource Stop)>();
        var handedOver = new List<Task<SourcePage>>();
        long next = 0;
        void TopUp()
        {
            handedOver.RemoveAll(arrival => arrival.IsCompleted);
            while (window.Count + handedOver.Count < _options.Paging.Concurrency)
            {
                var url = NumberedUrl(baseUrl, first, next++, context);
                // Each fetch can be stopped alone: a page handed over outlives this read; one still in the window does not.
                var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                window.Enqueue((url, FetchAsync(url, context, stop.Token), stop));
            }
        }

        bool LaterPagesArrived() => window.Count > 1 && window.Skip(1).All(w => w.Fetch.IsCompleted);

        try
        {
            TopUp();
            var failedInARow = 0;
            string? shortPage = null;
            while (window.Count > 0)
            {
                var (url, fetch, stop) = window.Peek();
                if (context.TakesPendingPages && !fetch.IsCompleted)
                {
                    // Waits for a page still coming, unless there is something to do already. (Waiting for any page of the
                    // window, one that had arrived ended every wait at once: the loop spun, burning a core, until the head came.)
                    // The pages still coming are taken before the check, so that one arriving in between ends the wait.
                    Task[] coming = [.. window.Select(w => (Task)w.Fetch).Concat(handedOver).Where(task => !task.IsCompleted)];
                    if (coming.Length > 0 && !LaterPagesArrived() && !handedOver.Exists(arrival => arrival.IsCompleted))
                        await Task.WhenAny(coming);
                    // Handed over only once every later page of the window has arrived: the head holds everything up (a retry
                    // wait, not a page merely slower than the next), and noting its place costs the run a store commit.
                    if (!fetch.IsCompleted && LaterPagesArrived())
                    {
                        window.Dequeue();
                        var arrival = ArrivalAsync(fetch, stop);
                        handedOver.Add(arrival);
                        TopUp();
                        yield return SourcePage.Pending(url, arrival);
                        continue;
                    }
                    // The head arrived, or a page handed over did (its place in the window is free again).
                    TopUp();
                    if (!fetch.IsCompleted)
                        continue;
                }
                window.Dequeue();
                var (page, _) = await fetch;
                stop.Dispose();
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
                TopUp();
                yield return page;
                failedInARow = page.Failure is null ? 0 : failedInARow + 1;
                if (failedInARow >= MaxFailedPagesInARow && !cancellationToken.IsCancellationRequested)
                    throw TooManyFailures(page);
            }
        }
        finally
        {
            foreach (var (_, fetch, stop) in window)
            {
                await stop.CancelAsync();
                try
                {
                    await fetch;
                }
                catch (OperationCanceledException)
                {
                    // Prefetched past the end or stopped: nothing to keep.
                }
                stop.Dispose();
            }
        }
    }

    /// <summary>A page handed over while still coming: the page once fetched (cancelled with the read that took it).</summary>
    private static async Task<SourcePage> ArrivalAsync(Task<(SourcePage Page, string? Next)> fetch, CancellationTokenSource stop)
    {
        try
        {
            return (await fetch).Page;
        }
        finally
        {
            stop.Dispose();
        }
    }

    /// <param name="url">The first page's URL.</param>
    /// <param name="skipFirst">Resuming: the first page was taken already; it is fetched again only for the cursor or link to the next.</param>
    private async IAsyncEnumerable<SourcePage> ReadChainedAsync(string url, bool skipFirst, SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var paging = _options.Paging;
        while (true)
        {
            var (page, next) = await FetchAsync(url, context, cancellationToken);
            if (skipFirst)
            {
                skipFirst = false;
                // The run that read this page is over; its answer is needed again only for where the next page is.
                if (page.Failure is { } lost)
                {
                    var classification = ErrorClassifier.Default.Classify(lost);
                    throw new ResyncException(classification with
                    {
                        Message = $"Resuming after {url} needs that page again for the cursor to the next one, and it could not be read ({classification.Message})",
                    }, lost);
                }
                if (page.Records.Count == 0 || next is null || Following(url, next, context) is not { } resumed)
                    yield break;
                url = resumed;
                continue;
            }
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
            if (paging.Style == HttpPagingStyle.None || next is null || Following(url, next, context) is not { } following)
                yield break;
            url = following;
        }
    }

    /// <summary>The URL of the page after <paramref name="url"/>, given the cursor or link its answer named; null when it names itself.</summary>
    private string? Following(string url, string next, SourceContext context)
    {
        string following;
        if (_options.Paging.Style == HttpPagingStyle.Cursor)
        {
            following = HttpUrls.WithQuery(FirstUrl(context, _options.Paging.SizeParam), _options.Paging.CursorParam, next);
        }
        else
        {
            following = HttpUrls.Resolve(url, next);
            if (!HttpUrls.SameOrigin(following, _options.Url))
                throw new ResyncException(new ErrorClassification(ErrorType.Runtime, Durability.Durable, ErrorCodes.UnexpectedShape,
                    $"The next link {following} leaves the source's origin ({_options.Url}); it is not followed, so that credentials stay with that server.",
                    "Point the source's url at the host the API's next links use."));
        }
        return following == url ? null : following;
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
            // Parsed from this answer alone: the engine may change the records in place.
            return (SourcePage.Fresh(HttpUrls.WithoutUserinfo(url), parsed.Records, parsed.Watermark), next);
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

    private string NumberedBase(SourceContext context) =>
        FirstUrl(context, _options.Paging.Style == HttpPagingStyle.Offset ? null : _options.Paging.SizeParam);

    private string NumberedUrl(string baseUrl, long first, long index, SourceContext context)
    {
        var paging = _options.Paging;
        if (paging.Style == HttpPagingStyle.Offset)
        {
            var url = HttpUrls.WithQuery(baseUrl, paging.OffsetParam, (first + index * context.BatchSize).ToString(CultureInfo.InvariantCulture));
            return HttpUrls.WithQuery(url, paging.LimitParam, context.BatchSize.ToString(CultureInfo.InvariantCulture));
        }
        return HttpUrls.WithQuery(baseUrl, paging.PageParam, (first + index).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The page number or offset a page's URL carries (the cursor a resume continues after).</summary>
    private static long NumberIn(string cursor, string parameter) =>
        HttpUrls.QueryValue(cursor, parameter) is { } text && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new ArgumentException($"the cursor '{cursor}' has no number in its '{parameter}' parameter, so the pages after it cannot be found", nameof(cursor));

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
