using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Resync.Core.Storage;
using Resync.Server;

namespace Resync.Benchmarks.Push;

/// <summary>
/// <c>resync serve</c> on loopback (Kestrel, a fresh state file) with a push link writing to a SQLite table, driven by a raw-socket
/// HTTP/1.1 load generator (<see cref="LeanHttpConnection"/>, one keep-alive connection per client, one request in flight on each): the latency of synchronous pushes of one
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
        Console.WriteLine($"{"clients",7} {"runs",-14} {"what",-34} {"p50 ms",8} {"p99 ms",8} {"max ms",8} {"per second",11} {"of floor",9} {"CPU µs",7} {"pushes/run",10}");
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
        Phase floor, sync, asyncRun;
        int warmed;
        TimeSpan jitMeasured;
        var pushIds = new long[requests];
        // For setting up and checking only; the measured requests go through LeanHttpConnection.
        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
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

        // One connection per client, each with one request in flight at a time.
        var clients = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => LeanHttpConnection.OpenAsync(new Uri(url), key)));
        try
        {
            // Warm-up (JIT, connections, the state file's WAL), not measured: rounds of each kind of request until the JIT is quiet.
            // Tiered compilation keeps recompiling hot methods for seconds after a server starts (on 2 cores it took up to a quarter
            // of the CPU for the first ~15 s of this benchmark's process): without it, a short phase would measure the JIT.
            warmed = await WarmUpAsync(clients, Math.Min(500, requests));
            var jit = JitInfo.GetCompilationTime();

            // The floor under any push: an authenticated API request that reads the link and writes nothing.
            floor = await ReadLinkAsync(clients, requests);
            var runsBefore = await CountAsync(options.DatabasePath, "runs");
            sync = await DriveAsync(clients, "sync", requests, async: false);
            var runsAfterSync = await CountAsync(options.DatabasePath, "runs");
            asyncRun = await DriveAsync(clients, "async", requests, async: true, pushIds);
            // The runs go on after the last 202: the process's CPU until they end is the asynchronous pushes' too.
            var (drainCpu, drainSeconds) = await UntilDrainedAsync(targetPath, 2L * requests + warmed);
            sync = sync with { Runs = runsAfterSync - runsBefore };
            asyncRun = asyncRun with { CpuSeconds = asyncRun.CpuSeconds + drainCpu, DrainSeconds = drainSeconds,
                Runs = await CountAsync(options.DatabasePath, "runs") - runsAfterSync };
            jitMeasured = JitInfo.GetCompilationTime() - jit;
        }
        finally
        {
            foreach (var connection in clients)
                connection.Dispose();
        }
        if (pushIds.Distinct().Count() != requests)
            throw new InvalidOperationException("Two asynchronous pushes were acknowledged with the same status URL.");

        var rows = await CountAsync(targetPath);
        var drained = asyncRun.DrainSeconds;
        // And each push is followed by its own status URL: the first and the last acknowledged are read back, their record written.
        foreach (var id in new[] { pushIds[0], pushIds[^1] })
        {
            var status = await client.GetStringAsync(new Uri($"/api/v1/pushes/{id}", UriKind.Relative));
            if (!status.Contains("\"status\":\"Succeeded\"", StringComparison.Ordinal))
                throw new InvalidOperationException($"Push {id}'s status URL does not show it written: {status}");
        }

        var runs = maxPushesPerRun == 1 ? "one per push" : $"shared (≤{maxPushesPerRun})";
        var floorRate = floor.Latencies.Length / floor.Seconds;
        Row("GET the link (no push; the floor)", floor);
        Row("sync push (answer after the run)", sync);
        Row("async push (202 after stored)", asyncRun);
        if (show)
            Console.WriteLine($"{"",7} {"",-14} async runs finished {drained:F1} s after the last 202; {rows:N0} rows in the target, as pushed; JIT {jitMeasured.TotalMilliseconds:F0} ms in the phases");

        void Row(string what, Phase result)
        {
            if (!show)
                return;
            var sorted = result.Latencies.Order().ToArray();
            var rate = sorted.Length / result.Seconds;
            Console.WriteLine($"{concurrency,7} {runs,-14} {what,-34} {Percentile(sorted, 0.50),8:F2} {Percentile(sorted, 0.99),8:F2} {sorted[^1],8:F2} {rate,11:N0} {rate / floorRate,9:P0} {result.CpuSeconds * 1e6 / sorted.Length,7:F0} {(result.Runs > 0 ? (sorted.Length / (double)result.Runs).ToString("F1", CultureInfo.InvariantCulture) : ""),10}");
        }
        await app.StopAsync();
        return (floorRate, sync.Latencies.Length / sync.Seconds, asyncRun.Latencies.Length / asyncRun.Seconds, Percentile([.. sync.Latencies.Order()], 0.99));
    }

    /// <summary>
    /// Sends <paramref name="count"/> pushes, one request in flight per connection; returns each one's latency (ms) and the wall
    /// time. Every answer is checked: a synchronous push's lists its record <c>Succeeded</c>; an asynchronous push's is a 202 with
    /// its own status URL (<c>/api/v1/pushes/{id}</c>), a new id each time, kept in <paramref name="pushIds"/> when given.
    /// </summary>
    private static async Task<Phase> DriveAsync(LeanHttpConnection[] clients, string prefix, int count, bool async,
        long[]? pushIds = null)
    {
        var latencies = new double[count];
        var next = -1;
        var path = async ? $"/api/v1/links/{LinkId}/push?mode=async" : $"/api/v1/links/{LinkId}/push";
        var expected = async ? 202 : 200;
        var cpu = ProcessCpu();
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(async client =>
        {
            var body = new byte[256];
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                if (!Utf8.TryWrite(body, CultureInfo.InvariantCulture, $$"""[{"id":"{{prefix}}-{{i}}","name":"Contact {{i}}","email":"{{prefix}}-{{i}}@example.com"}]""",
                    out var length))
                    throw new InvalidOperationException("A push body does not fit its buffer.");
                var started = Stopwatch.GetTimestamp();
                var answer = await client.SendAsync("POST", path, body.AsMemory(0, length));
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (answer.Status != expected)
                    throw new InvalidOperationException($"Push {prefix}-{i} answered {answer.Status}: {answer.Text}");
                if (!async && answer.Body.AsSpan().IndexOf("\"status\":\"Succeeded\""u8) < 0)
                    throw new InvalidOperationException($"Push {prefix}-{i} did not succeed: {answer.Text}");
                if (async)
                {
                    var id = PushId(answer.Body) ?? throw new InvalidOperationException($"Push {prefix}-{i} was acknowledged without its status URL: {answer.Text}");
                    if (pushIds is not null)
                        pushIds[i] = id;
                }
            }
        }));
        return new Phase(latencies, wall.Elapsed.TotalSeconds, (ProcessCpu() - cpu).TotalSeconds);
    }

    /// <summary>The push id in an asynchronous push's answer, from its own status URL (<c>"pushUrl":"/api/v1/pushes/{id}"</c>); null without it.</summary>
    private static long? PushId(byte[] answer)
    {
        var marker = "\"pushUrl\":\"/api/v1/pushes/"u8;
        var at = answer.AsSpan().IndexOf(marker);
        return at >= 0 && Utf8Parser.TryParse(answer.AsSpan(at + marker.Length), out long id, out var digits) && digits > 0 && answer[at + marker.Length + digits] == '"'
            ? id : null;
    }

    private static async Task<Phase> ReadLinkAsync(LeanHttpConnection[] clients, int count)
    {
        var latencies = new double[count];
        var next = -1;
        var path = $"/api/v1/links/{LinkId}";
        var cpu = ProcessCpu();
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(async client =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                var answer = await client.SendAsync("GET", path);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (answer.Status != 200)
                    throw new InvalidOperationException($"GET {path} answered {answer.Status}: {answer.Text}");
            }
        }));
        return new Phase(latencies, wall.Elapsed.TotalSeconds, (ProcessCpu() - cpu).TotalSeconds);
    }

    /// <summary>
    /// Rounds of <paramref name="count"/> GETs, synchronous and asynchronous pushes until one spends under 1 % of its time in the
    /// JIT (at most 20 rounds); returns the records pushed, which are in the target too.
    /// </summary>
    private static async Task<int> WarmUpAsync(LeanHttpConnection[] clients, int count)
    {
        var pushed = 0;
        for (var round = 0; round < 20; round++)
        {
            var jit = JitInfo.GetCompilationTime();
            var wall = Stopwatch.StartNew();
            await ReadLinkAsync(clients, count);
            await DriveAsync(clients, $"warm{round}", count, async: false);
            await DriveAsync(clients, $"warm-async{round}", count, async: true);
            pushed += 2 * count;
            if (JitInfo.GetCompilationTime() - jit < wall.Elapsed / 100)
                break;
        }
        return pushed;
    }

    private static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>
    /// Waits until every pushed record is in the target table (the asynchronous runs go on after their 202); returns the process's
    /// CPU seconds meanwhile and the wait's.
    /// </summary>
    private static async Task<(double CpuSeconds, double Seconds)> UntilDrainedAsync(string targetPath, long expected)
    {
        var cpu = ProcessCpu();
        var stopwatch = Stopwatch.StartNew();
        long rows;
        while ((rows = await CountAsync(targetPath)) < expected)
        {
            if (stopwatch.Elapsed > TimeSpan.FromMinutes(5))
                throw new InvalidOperationException($"Only {rows:N0} of {expected:N0} pushed records reached the target.");
            await Task.Delay(20);
        }
        return ((ProcessCpu() - cpu).TotalSeconds, stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// One measured phase: each request's latency (ms), the wall time, the process's CPU seconds (server and load generator: they
    /// share it), for asynchronous pushes the wait after the last 202 until their runs had written every record, and for pushes
    /// the runs they made (so the pushes per run shared).
    /// </summary>
    private readonly record struct Phase(double[] Latencies, double Seconds, double CpuSeconds, double DrainSeconds = 0, long Runs = 0);

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static async Task<long> CountAsync(string path, string table = "contacts")
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False;Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
