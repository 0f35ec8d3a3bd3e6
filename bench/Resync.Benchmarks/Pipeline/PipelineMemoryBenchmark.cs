using System.Diagnostics;
using Npgsql;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Runs;
using Resync.Testing.Postgres;

namespace Resync.Benchmarks.Pipeline;

/// <summary>
/// Memory on the real pipeline: one run of the pipeline benchmark's link (HTTP JSON on loopback → 3 steps → PostgreSQL upsert,
/// 1% refused by the column limit, each failed record kept with its snapshot) over many records, sampling the process's
/// working set and managed heap. Target: under 200 MB peak RSS at 10,000,000 records. The contacts API runs in the same
/// process, so its buffers are counted too.
/// </summary>
internal static class PipelineMemoryBenchmark
{
    private const string Table = "contacts_memory";

    public static async Task RunAsync(long records, int writers, int fetches)
    {
        await using var server = await PostgresServer.StartAsync(CancellationToken.None);
        await using var dataSource = PipelineParts.DataSource(server);
        await using var api = await ContactsApi.StartAsync();
        await ContactsTable.CreateAsync(dataSource, Table, ContactsApi.PhoneLimit);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var peakReset = ResetPeakRss();

        await using var target = PipelineParts.Target(dataSource, Table);
        var link = PipelineParts.Link("pipeline-memory", PipelineParts.Source(api, records, fetches), target, new LinkSettings { BatchSize = 1000, Parallelism = writers });
        await using var sampler = new MemorySampler(TimeSpan.FromMilliseconds(20));
        var watch = Stopwatch.StartNew();
        var result = await new RunEngine(BenchStore.Sqlite, TimeProvider.System).RunAsync(link, new RunRequest(RunKind.Manual, "benchmark"));
        var seconds = watch.Elapsed.TotalSeconds;
        await sampler.DisposeAsync();
        var peakRss = PeakRssBytes();

        var bad = ContactsApi.BadCount(records);
        if (result.Status != RunStatus.CompletedWithErrors || result.Counts.Read != records || result.Counts.Failed != bad)
            throw new InvalidOperationException($"The run did not end as expected ({bad:N0} failed of {records:N0}): {result}");
        var peakMb = Math.Max(sampler.PeakWorkingSetBytes, peakRss ?? 0) / 1048576.0;
        Console.WriteLine();
        Console.WriteLine($"{records:N0} records ({bad:N0} failed, kept with snapshots), HTTP → 3 steps → PostgreSQL upsert, {writers} writers, {fetches} fetches");
        Console.WriteLine($"{"seconds",8} {"records/s",11} {"peak heap MB",13} {"peak working set MB",20} {"peak RSS (VmHWM) MB",20}");
        Console.WriteLine($"{seconds,8:F1} {records / seconds,11:N0} {sampler.PeakHeapBytes / 1048576.0,13:F1} {sampler.PeakWorkingSetBytes / 1048576.0,20:F1} " +
            $"{(peakRss is { } rss ? (rss / 1048576.0).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) : "?"),20}" +
            (peakReset ? "" : "  (VmHWM since the process started: it could not be reset)"));
        BenchSummary.Add("pipeline-memory", $"HTTP → PostgreSQL, {records:N0} records: peak RSS", $"{peakMb:F0} MB", "< 200 MB", peakMb < 200);
    }

    // Linux: writing 5 to clear_refs resets the peak resident set size (VmHWM) to the current one.
    private static bool ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The peak resident set size (VmHWM) of <paramref name="process"/> (a process id, or self), null where Linux's /proc is not.</summary>
    internal static long? PeakRssBytes(string process = "self")
    {
        var status = $"/proc/{process}/status";
        if (!File.Exists(status))
            return null;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
