using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Resync.Connectors.Http;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Runs;
using Resync.Core.Sdk;
using Resync.Storage.Sqlite;
using Resync.Testing;

namespace Resync.Benchmarks.Pipeline;

/// <summary>
/// Faults overlap: N records from a paged JSON API on loopback, once with every page answering, once with faulty pages
/// (two 500s, three 429s with Retry-After 1 s, one timeout, one non-JSON body; each page faults on its first request and
/// answers when retried), and once more with the faults but without the overlap (the source is not offered pending pages,
/// so reading waits for each retried page, as before faults overlapped). The faulty run should cost about the longest single
/// page's retry time more than the run without faults, not the sum of them all.
/// </summary>
internal static class FaultOverlapBenchmark
{
    private const int PageSize = 1000;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    public static async Task RunAsync(SqliteRunStore store, long records, int parallelism, int fetches)
    {
        var pages = (int)((records + PageSize - 1) / PageSize);
        // Spread over the run (pages 10 %, 25 %, …, 90 % of the way), away from its ends.
        var at = (double share) => Math.Max(2, (int)(pages * share));
        var faults = new Dictionary<int, Fault>
        {
            [at(0.10)] = Fault.ServerError, [at(0.25)] = Fault.ServerError,
            [at(0.40)] = Fault.TooManyRequests, [at(0.55)] = Fault.TooManyRequests, [at(0.70)] = Fault.TooManyRequests,
            [at(0.80)] = Fault.Timeout, [at(0.90)] = Fault.NotJson,
        };
        await using var api = await FaultyApi.StartAsync(records, faults);

        // Warm-up (JIT, connections), not measured.
        await MeasureAsync(store, api, Math.Min(records, 20_000), parallelism, fetches, faulty: false, overlap: true);
        var clean = await MeasureAsync(store, api, records, parallelism, fetches, faulty: false, overlap: true);
        var overlapping = await MeasureAsync(store, api, records, parallelism, fetches, faulty: true, overlap: true);
        var retryTimes = api.RetryTimes();
        var waiting = await MeasureAsync(store, api, records, parallelism, fetches, faulty: true, overlap: false);
        var waitingRetryTimes = api.RetryTimes();

        Console.WriteLine();
        Console.WriteLine($"{records:N0} records, pages of {PageSize}, {fetches} pages fetched at once, parallelism {parallelism}, no-op target, SQLite run store; " +
            $"faulty pages {string.Join(", ", faults.OrderBy(f => f.Key).Select(f => $"{f.Key} ({f.Value})"))}; call timeout {CallTimeout.TotalSeconds:0} s, 3 attempts");
        Console.WriteLine($"load average at the end: {BenchSummary.LoadAverage()}");
        Console.WriteLine($"{"what",-44} {"seconds",8} {"vs no faults",13}");
        Console.WriteLine($"{"no faults",-44} {clean,8:F2}");
        Console.WriteLine($"{"faults, overlapping (this change)",-44} {overlapping,8:F2} {overlapping - clean,+12:F2}s");
        Console.WriteLine($"{"faults, reading waits for each retry",-44} {waiting,8:F2} {waiting - clean,+12:F2}s");
        Console.WriteLine($"page retry times (first request to answer), overlapping run: {string.Join(", ", retryTimes.Select(t => $"{t.Page}: {t.Seconds:F2}s"))}");
        Console.WriteLine($"longest {retryTimes.Max(t => t.Seconds):F2} s, sum {retryTimes.Sum(t => t.Seconds):F2} s; waiting run: longest {waitingRetryTimes.Max(t => t.Seconds):F2} s, sum {waitingRetryTimes.Sum(t => t.Seconds):F2} s");
        Console.WriteLine($"overlapping: extra time / longest retry {(overlapping - clean) / retryTimes.Max(t => t.Seconds):P0}, / sum of retries {(overlapping - clean) / retryTimes.Sum(t => t.Seconds):P0}");
        Console.WriteLine($"waiting:     extra time / longest retry {(waiting - clean) / waitingRetryTimes.Max(t => t.Seconds):P0}, / sum of retries {(waiting - clean) / waitingRetryTimes.Sum(t => t.Seconds):P0}");
        BenchSummary.Add("faults", "7 faulty pages: extra time / longest page retry, overlapping", $"{(overlapping - clean) / retryTimes.Max(t => t.Seconds):P0}");
    }

    private static async Task<double> MeasureAsync(SqliteRunStore store, FaultyApi api, long records, int parallelism, int fetches, bool faulty, bool overlap)
    {
        api.Arm(faulty);
        ISource source = new HttpJsonSource(new HttpSourceOptions
        {
            Url = $"{api.Url}/contacts?total={records.ToString(CultureInfo.InvariantCulture)}",
            KeyField = "id",
            Paging = new HttpPaging { Style = HttpPagingStyle.Page, SizeParam = "size", Concurrency = fetches },
            Call = new HttpCallSettings { Timeout = CallTimeout, RetryAttempts = 3 },
        });
        if (!overlap)
            source = new NoPendingPages(source);
        var link = new Link($"faults-{Guid.NewGuid():N}", source, [], new NoOpTarget(), new LinkSettings { BatchSize = PageSize, Parallelism = parallelism });

        var watch = Stopwatch.StartNew();
        var result = await new RunEngine(store, TimeProvider.System).RunAsync(link, new RunRequest(RunKind.Manual, "benchmark"));
        var seconds = watch.Elapsed.TotalSeconds;

        var stored = await store.GetRunAsync(result.RunId, CancellationToken.None);
        if (result.Status != RunStatus.Succeeded || result.Counts.Read != records || stored?.Counts.Succeeded != records)
            throw new InvalidOperationException($"The run did not get every record through: {result.Status}, {result.Counts}, stored {stored?.Counts}");
        return seconds;
    }

    private enum Fault
    {
        ServerError,
        TooManyRequests,
        Timeout,
        NotJson,
    }

    /// <summary>The source as it was before faults overlapped: never offered pending pages, so reading waits for each retry.</summary>
    private sealed class NoPendingPages(ISource inner) : ISource
    {
        public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
            inner.ReadAsync(context with { TakesPendingPages = false }, cancellationToken);

        public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
            inner.FetchPageAsync(cursor, context, cancellationToken);
    }

    /// <summary>
    /// <c>GET /contacts?total=N&amp;page=P&amp;size=S</c>: a JSON array of contacts, empty past the end. When armed, each faulty
    /// page answers its fault to its first request and its records to the next; the time from its first request to its
    /// answer is kept.
    /// </summary>
    private sealed class FaultyApi : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly long _total;
        private readonly IReadOnlyDictionary<int, Fault> _faults;
        private readonly ConcurrentDictionary<int, long> _firstRequest = new();
        private readonly ConcurrentDictionary<int, long> _answered = new();
        private volatile bool _armed;

        private FaultyApi(WebApplication app, long total, IReadOnlyDictionary<int, Fault> faults)
        {
            _app = app;
            _total = total;
            _faults = faults;
            app.MapGet("/contacts", ServeAsync);
        }

        public string Url => _app.Urls.First().TrimEnd('/');

        public static async Task<FaultyApi> StartAsync(long total, IReadOnlyDictionary<int, Fault> faults)
        {
            var api = new FaultyApi(LoopbackWebApp.CreateBuilder().Build(), total, faults);
            await api._app.StartAsync();
            return api;
        }

        /// <summary>Before a run: faults on (each once) or off.</summary>
        public void Arm(bool faulty)
        {
            _firstRequest.Clear();
            _answered.Clear();
            _armed = faulty;
        }

        /// <summary>Each faulty page's time from its first request to its answer, in page order.</summary>
        public IReadOnlyList<(int Page, double Seconds)> RetryTimes() =>
            [.. _answered.OrderBy(a => a.Key).Select(a => (a.Key, Stopwatch.GetElapsedTime(_firstRequest[a.Key], a.Value).TotalSeconds))];

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private async Task ServeAsync(HttpContext context)
        {
            var query = context.Request.Query;
            var total = long.Parse(query["total"].ToString(), CultureInfo.InvariantCulture);
            var page = int.Parse(query["page"].ToString(), CultureInfo.InvariantCulture);
            var size = int.Parse(query["size"].ToString(), CultureInfo.InvariantCulture);
            if (_armed && _faults.TryGetValue(page, out var fault))
            {
                var now = Stopwatch.GetTimestamp();
                if (_firstRequest.TryAdd(page, now))
                {
                    await AnswerFaultAsync(context, fault);
                    return;
                }
            }
            var first = ((long)page - 1) * size + 1;
            var last = Math.Min(Math.Min(total, _total), first + size - 1);
            var contacts = new List<Dictionary<string, object>>((int)Math.Max(0, last - first + 1));
            for (var id = first; id <= last; id++)
            {
                contacts.Add(new Dictionary<string, object>
                {
                    ["id"] = id, ["name"] = $"Contact {id}", ["email"] = $"contact{id}@example.com", ["phone"] = "+1 555 0100",
                    ["address"] = "1 Main Street, Springfield", ["amount"] = "12.50",
                });
            }
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(contacts));
            if (_firstRequest.ContainsKey(page))
                _answered[page] = Stopwatch.GetTimestamp();
        }

        private static async Task AnswerFaultAsync(HttpContext context, Fault fault)
        {
            switch (fault)
            {
                case Fault.ServerError:
                    context.Response.StatusCode = 500;
                    await context.Response.WriteAsync("{\"error\":\"internal error\"}");
                    break;
                case Fault.TooManyRequests:
                    context.Response.StatusCode = 429;
                    context.Response.Headers.RetryAfter = "1";
                    await context.Response.WriteAsync("{\"error\":\"slow down\"}");
                    break;
                case Fault.Timeout:
                    // Longer than the call's timeout: the client gives up and retries.
                    try
                    {
                        await Task.Delay(CallTimeout + TimeSpan.FromSeconds(5), context.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                        // The client timed out, as meant.
                    }
                    break;
                default:
                    context.Response.ContentType = "text/html";
                    await context.Response.WriteAsync("<html><body>Bad gateway</body></html>");
                    break;
            }
        }
    }
}
