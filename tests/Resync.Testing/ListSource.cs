using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Testing;

/// <summary>
/// A source that yields the pages it was given, in order, with the page number (1-based) as cursor. It can
/// be told to yield a failed page instead of a given page (a batch error the engine must contain), to throw
/// when asked for a given page (the source cannot go on), and to stamp pages with a watermark. It honours
/// cancellation before each page. Configure it before running; reading is safe from one reader at a time.
/// </summary>
public sealed class ListSource : ISource, IResumableSource
{
    private readonly IReadOnlyList<IReadOnlyList<Record>> _pages;
    private readonly Dictionary<int, Exception> _failures = [];
    private readonly Dictionary<int, Exception> _throws = [];
    private readonly Dictionary<int, string> _watermarks = [];
    private readonly Dictionary<int, Task> _holds = [];
    private readonly ConcurrentQueue<SourceContext> _contexts = new();
    private readonly TaskCompletionSource _readingStopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pagesFetched;
    private int _pagesRefetched;

    public ListSource(params IReadOnlyList<IReadOnlyList<Record>> pages) => _pages = pages;

    /// <summary>A source of <paramref name="pageCount"/> pages of <paramref name="pageSize"/> contacts (see <see cref="TestRecords"/>).</summary>
    public static ListSource Paged(int pageCount, int pageSize) => new(TestRecords.Pages(pageCount, pageSize));

    /// <summary>Called with a page's number once the reader has taken that page and asks for the next one.</summary>
    public Action<int>? AfterPageTaken { get; set; }

    /// <summary>How many pages were given.</summary>
    public int PageCount => _pages.Count;

    /// <summary>How many pages (records or failures) were handed out by <see cref="ReadAsync"/>.</summary>
    public int PagesFetched => Volatile.Read(ref _pagesFetched);

    /// <summary>How many pages were fetched again by cursor.</summary>
    public int PagesRefetched => Volatile.Read(ref _pagesRefetched);

    /// <summary>The context of every <see cref="ReadAsync"/> call, in order.</summary>
    public IReadOnlyList<SourceContext> Contexts => [.. _contexts];

    /// <summary>Completes when the token of a read is cancelled (by the caller, or by the engine stopping the run).</summary>
    public Task ReadingStopped => _readingStopped.Task;

    /// <summary>Page <paramref name="number"/> yields <see cref="SourcePage.Failed"/> with <paramref name="failure"/> instead of its records.</summary>
    public ListSource FailPage(int number, Exception failure)
    {
        EnsurePage(number);
        _failures[number] = failure;
        return this;
    }

    /// <summary>The given pages answer properly again (the outage is over).</summary>
    public ListSource Heal(params int[] numbers)
    {
        foreach (var number in numbers)
            _failures.Remove(number);
        return this;
    }

    /// <summary>The reader no longer throws (the source is back).</summary>
    public ListSource Recover()
    {
        _throws.Clear();
        return this;
    }

    /// <summary>The reader throws <paramref name="exception"/> when it asks for page <paramref name="number"/>.</summary>
    public ListSource ThrowAtFetch(int number, Exception exception)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        _throws[number] = exception;
        return this;
    }

    /// <summary>The reader throws <paramref name="exception"/> at once, before any page.</summary>
    public ListSource ThrowAtFirstFetch(Exception exception) => ThrowAtFetch(1, exception);

    /// <summary>
    /// Page <paramref name="number"/> is still coming until <paramref name="arrival"/> completes (a page being retried): given
    /// as pending where the reader takes pending pages (the pages after it follow at once), else waited for in its place.
    /// </summary>
    public ListSource HoldPage(int number, Task arrival)
    {
        EnsurePage(number);
        _holds[number] = arrival;
        return this;
    }

    /// <summary>Page <paramref name="number"/> carries <paramref name="watermark"/> as its highest change marker.</summary>
    public ListSource WithWatermark(int number, string watermark)
    {
        EnsurePage(number);
        _watermarks[number] = watermark;
        return this;
    }

    public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
        ReadFromAsync(1, context, cancellationToken);

    /// <summary>The pages after the page <paramref name="cursor"/> (resuming an incomplete run).</summary>
    public IAsyncEnumerable<SourcePage> ReadAfterAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        ReadFromAsync(int.Parse(cursor, NumberStyles.None, CultureInfo.InvariantCulture) + 1, context, cancellationToken);

    /// <summary>How many times a read started (ReadAsync or ReadAfterAsync).</summary>
    public int Reads => _contexts.Count;

    private async IAsyncEnumerable<SourcePage> ReadFromAsync(int first, SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _contexts.Enqueue(context);
        using var registration = cancellationToken.Register(static stopped => ((TaskCompletionSource)stopped!).TrySetResult(), _readingStopped);
        for (var number = first; number <= _pages.Count || _throws.ContainsKey(number); number++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_throws.TryGetValue(number, out var exception))
                throw exception;
            Interlocked.Increment(ref _pagesFetched);
            if (_holds.TryGetValue(number, out var hold))
            {
                var arrival = ArriveAsync(number, hold, cancellationToken);
                yield return context.TakesPendingPages ? SourcePage.Pending(number.ToString(CultureInfo.InvariantCulture), arrival) : await arrival;
            }
            else
            {
                yield return PageAt(number);
            }
            AfterPageTaken?.Invoke(number);
        }
    }

    private async Task<SourcePage> ArriveAsync(int number, Task hold, CancellationToken cancellationToken)
    {
        await hold.WaitAsync(cancellationToken);
        return PageAt(number);
    }

    public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var number = int.Parse(cursor, NumberStyles.None, CultureInfo.InvariantCulture);
        EnsurePage(number);
        Interlocked.Increment(ref _pagesRefetched);
        return Task.FromResult(PageAt(number));
    }

    private SourcePage PageAt(int number)
    {
        var cursor = number.ToString(CultureInfo.InvariantCulture);
        return _failures.TryGetValue(number, out var failure)
            ? SourcePage.Failed(cursor, failure)
            : SourcePage.Of(cursor, _pages[number - 1], _watermarks.GetValueOrDefault(number));
    }

    private void EnsurePage(int number)
    {
        if (number < 1 || number > _pages.Count)
            throw new ArgumentOutOfRangeException(nameof(number), number, $"The source has pages 1 to {_pages.Count}.");
    }
}
