using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Resync.Core.Storage;
using Resync.Server;

namespace Resync.Benchmarks.Push;

/// <summary>
/// <c>resync serve</c> on loopback (Kestrel, a fresh state file) with a push link writing to a SQLite table, driven by an
/// HttpClient load generator with a bounded number of requests in flight: the latency of synchronous pushes of one
/// record (the answer waits for the run, the record is in the target table), then how many asynchronous pushes are
/// acknowledged per second (each answered 202 once its payload is stored with fsync, in a commit shared with the pushes
/// arriving meanwhile; its run starts after).
/// </summary>
internal static class PushBenchmark
{
    private const string LinkId = "bench-push";

    /// <summary>
    /// The push benchmark's one entry: <paramref name="concurrency"/> clients with pushes sharing runs (the default), the same
    /// with a run per push (<see cref="ServerOptions.MaxPushesPerRun"/> 1, as before runs were shared), then one client (at most
    /// 500 pushes); each on a fresh server, one after the other, so their ratios are of one run on one machine load.
    /// </summary>
    public static async Task RunAsync(int requests, int concurrency)
    {
        Console.WriteLine();
        Console.WriteLine($"{requests:N0} pushes of one record each (one client: at most 500), SQLite target (upsert), loopback HTTP/1.1; load average {LoadAverage()}");
        Console.WriteLine($"{"clients",7} {"runs",-14} {"what",-34} {"p50 ms",8} {"p99 ms",8} {"max ms",8} {"per second",11} {"of floor",9}");
        // A first server, not shown, warms the process up (JIT tiers, pools): else the first shown pays it.
        await BenchServer.InTempFolderAsync(folder => RunInAsync(folder, Math.Min(500, requests), concurrency, new ServerOptions().MaxPushesPerRun, show: false));
        (double Floor, double Sync, double Async, double SyncP99) shared = default, one = default;
        await BenchServer.InTempFolderAsync(async folder => shared = await RunInAsync(folder, requests, concurrency, new ServerOptions().MaxPushesPerRun));
        one = shared;
        if (concurrency > 1)
        {
            await BenchServer.InTempFolderAsync(folder => RunInAsync(folder, requests, concurrency, 1));
            await BenchServer.InTempFolderAsync(async folder => one = await RunInAsync(folder, Math.Min(500, requests), 1, new ServerOptions().MaxPushesPerRun));
        }
        Console.WriteLine($"load average at the end {LoadAverage()}");
        BenchSummary.Add("push", $"async acknowledgements/s, {concurrency} clients, one record each", $"{shared.Async:N0}", "≥ 5,000", shared.Async >= 5_000);
        BenchSummary.Add("push", $"sync requests/s, {concurrency} clients", $"{shared.Sync:N0}", "≥ 2,000", shared.Sync >= 2_000);
        BenchSummary.Add("push", "sync p99, one client (ms)", $"{one.SyncP99:F1}", "< 20", one.SyncP99 < 20);
        BenchSummary.Add("push", $"floor: authenticated GET/s, {concurrency} clients", $"{shared.Floor:N0}");
        BenchSummary.Add("push", "async / floor, sync / floor (rate)", $"{shared.Async / shared.Floor:P0}, {shared.Sync / shared.Floor:P0}");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>One server's rows; returns the floor's, the sync and the async pushes' rates (per second) and the sync pushes' p99 (ms).</summary>
    private static async Task<(double Floor, double Sync, double Async, double SyncP99)> RunInAsync(string folder, int requests, int concurrency, int maxPushesPerRun,
        bool show = true)
    {
        // Links from the API reach files in their tenant's data folder only.
        var tenantFolder = Path.Combine(folder, "data", "tenants", "default");
        Directory.CreateDirectory(tenantFolder);
        var targetPath = Path.Combine(tenantFolder, "target.db");
        await using (var connection = new SqliteConnection($"Data Source={targetPath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE contacts (id TEXT PRIMARY KEY, name TEXT, email TEXT NOT NULL)";
            await command.ExecuteNonQueryAsync();
        }
        var options = new ServerOptions { Urls = "http://127.0.0.1:0", DatabasePath = Path.Combine(folder, "state.db"), DataFolder = Path.Combine(folder, "data"),
            MaxPushesPerRun = maxPushesPerRun };
        await using var app = await ResyncServer.BuildAsync(options, configure: builder => builder.Logging.ClearProviders());
        var (url, key) = await BenchServer.StartAsync(app);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using (var link = await client.PutAsync($"/api/v1/links/{LinkId}", new StringContent($"""
            name: {LinkId}
            source: {"{"} type: push, keyField: id {"}"}
            target: {"{"} type: sqlite, path: target.db, table: contacts, key: id, mode: upsert {"}"}
            trigger: {"{"} manual: false, push: true {"}"}
            """, Encoding.UTF8, "application/yaml")))
        {
            if (!link.IsSuccessStatusCode)
                throw new InvalidOperationException($"The push link was refused: {await link.Content.ReadAsStringAsync()}");
        }

        // Warm-up (JIT, connections, the state file's WAL), not measured.
        await DriveAsync(client, "warm", Math.Min(200, requests), concurrency, async: false);
        await DriveAsync(client, "warm-async", Math.Min(200, requests), concurrency, async: true);

        // The floor under any push: an authenticated API request that reads the link and writes nothing.
        await ReadLinkAsync(client, Math.Min(200, requests), concurrency);
        var floor = await ReadLinkAsync(client, requests, concurrency);
        var sync = await DriveAsync(client, "sync", requests, concurrency, async: false);
        var asyncRun = await DriveAsync(client, "async", requests, concurrency, async: true);

        // Every pushed record must reach the table: the async runs go on after their 202.
        var expected = 2L * requests + 2L * Math.Min(200, requests);
        var stopwatch = Stopwatch.StartNew();
        long rows;
        while ((rows = await CountAsync(targetPath)) < expected)
        {
            if (stopwatch.Elapsed > TimeSpan.FromMinutes(5))
                throw new InvalidOperationException($"Only {rows:N0} of {expected:N0} pushed records reached the target.");
            await Task.Delay(100);
        }
        var drained = stopwatch.Elapsed.TotalSeconds;

        var runs = maxPushesPerRun == 1 ? "one per push" : $"shared (≤{maxPushesPerRun})";
        var floorRate = floor.Latencies.Length / floor.Seconds;
        Row("GET the link (no push; the floor)", floor);
        Row("sync push (answer after the run)", sync);
        Row("async push (202 after stored)", asyncRun);
        if (show)
            Console.WriteLine($"{"",7} {"",-14} async runs finished {drained:F1} s after the last 202; {rows:N0} rows in the target, as pushed");

        void Row(string what, (double[] Latencies, double Seconds) result)
        {
            if (!show)
                return;
            var sorted = result.Latencies.Order().ToArray();
            var rate = sorted.Length / result.Seconds;
            Console.WriteLine($"{concurrency,7} {runs,-14} {what,-34} {Percentile(sorted, 0.50),8:F2} {Percentile(sorted, 0.99),8:F2} {sorted[^1],8:F2} {rate,11:N0} {rate / floorRate,9:P0}");
        }
        await app.StopAsync();
        return (floorRate, sync.Latencies.Length / sync.Seconds, asyncRun.Latencies.Length / asyncRun.Seconds, Percentile([.. sync.Latencies.Order()], 0.99));
    }

    /// <summary>Sends <paramref name="count"/> pushes with at most <paramref name="concurrency"/> in flight; returns each one's latency (ms) and the wall time.</summary>
    private static async Task<(double[] Latencies, double Seconds)> DriveAsync(HttpClient client, string prefix, int count, int concurrency, bool async)
    {
        var latencies = new double[count];
        var next = -1;
        var path = async ? $"/api/v1/links/{LinkId}/push?mode=async" : $"/api/v1/links/{LinkId}/push";
        var expected = async ? HttpStatusCode.Accepted : HttpStatusCode.OK;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i}");
                using var body = new StringContent($$"""[{"id":"{{id}}","name":"Contact {{i}}","email":"{{id}}@example.com"}]""", Encoding.UTF8, "application/json");
                var started = Stopwatch.GetTimestamp();
                using var response = await client.PostAsync(path, body);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (response.StatusCode != expected)
                    throw new InvalidOperationException($"Push {id} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                if (!async && !(await response.Content.ReadAsStringAsync()).Contains("\"status\":\"Succeeded\"", StringComparison.Ordinal))
                    throw new InvalidOperationException($"Push {id} did not succeed.");
            }
        }));
        return (latencies, wall.Elapsed.TotalSeconds);
    }

    private static async Task<(double[] Latencies, double Seconds)> ReadLinkAsync(HttpClient client, int count, int concurrency)
    {
        var latencies = new double[count];
        var next = -1;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync($"/api/v1/links/{LinkId}");
                await response.Content.ReadAsByteArrayAsync();
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                response.EnsureSuccessStatusCode();
            }
        }));
        return (latencies, wall.Elapsed.TotalSeconds);
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static async Task<long> CountAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False;Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM contacts";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
