using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Resync.Testing;
using Resync.Testing.Postgres;

namespace Resync.Benchmarks.Pipeline;

/// <summary>
/// The pipeline's link as a user runs it: <c>resync run link.yaml</c>, a fresh process of the CLI built beside this benchmark,
/// reading the paged contacts API on loopback (four pages at a time), through the same three steps, into PostgreSQL, its state
/// in a SQLite file. What the benchmark's in-process rounds leave out is in here: the process's start, its JIT from cold, the
/// link file, and a fresh state file. Runs with 1 % bad records (phones the target's column refuses) and 2 % (those, and
/// emails the validate step refuses), each as shipped and with dynamic PGO kept (<c>DOTNET_TieredPGO=1</c>: the command then does
/// not start again without it); prints the process's CPU time (user + system, from the kernel's accounting of the finished
/// child) per record, its wall time and its peak resident set size (VmHWM, read every 100 ms while it runs).
/// </summary>
internal static class CliRunBenchmark
{
    private const string Table = "contacts_cli";

    public static async Task RunAsync(long records, int repeat)
    {
        await using var server = await PostgresServer.StartAsync(CancellationToken.None);
        await using var dataSource = PipelineParts.DataSource(server);
        await using var api = await ContactsApi.StartAsync();
        using var folder = new TempDirectory("resync-bench-cli");

        Console.WriteLine($"`resync run` of {records:N0} records, HTTP → 3 steps → PostgreSQL upsert, a new process and state file each time:");
        Console.WriteLine($"{"bad records",-40} {"process",-22} {"wall s",7} {"records/s",10} {"CPU s",7} {"µs CPU/rec",11} {"peak RSS",9}");
        var cpuPerRecord = new Dictionary<(bool InvalidEmails, bool Pgo), List<double>>();
        for (var round = 1; round <= repeat; round++)
        {
            foreach (var invalidEmails in new[] { false, true })
            {
                // As shipped (the command starts again without dynamic PGO), then with the runtime's default kept by the user's own
                // setting: the pair shows what the start again saves, in one run.
                foreach (var pgo in new[] { false, true })
                {
                    await ContactsTable.CreateAsync(dataSource, Table, ContactsApi.PhoneLimit);
                    var link = WriteLink(folder, api, server, records, invalidEmails);
                    var state = folder.Combine($"state-{round}-{invalidEmails}-{pgo}.db");
                    var run = await RunCliAsync(link, state, pgo);
                    Check(run.Summary, records, invalidEmails);
                    var perRecord = run.CpuSeconds * 1e6 / records;
                    (cpuPerRecord.TryGetValue((invalidEmails, pgo), out var list) ? list : cpuPerRecord[(invalidEmails, pgo)] = []).Add(perRecord);
                    var what = invalidEmails ? "2 %: phones too long, invalid emails" : "1 %: phones too long";
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{what,-40} {(pgo ? "DOTNET_TieredPGO=1" : "as shipped"),-22} {run.WallSeconds,7:F2} {records / run.WallSeconds,10:N0} {run.CpuSeconds,7:F2} {perRecord,11:F2} {run.PeakRssBytes / 1e6,6:F0} MB"));
                }
            }
        }
        var onePercent = Statistics.Median(cpuPerRecord[(false, false)]);
        var twoPercent = Statistics.Median(cpuPerRecord[(true, false)]);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"The `resync run` process's CPU per record, medians of {repeat}: {onePercent:F2} µs with 1 % bad records, {twoPercent:F2} µs with 2 % " +
            $"(with dynamic PGO kept: {Statistics.Median(cpuPerRecord[(false, true)]):F2} and {Statistics.Median(cpuPerRecord[(true, true)]):F2} µs)"));
        BenchSummary.Add("cli-run", $"`resync run` process, µs CPU per record, 1 % / 2 % bad ({records / 1000:N0}k)",
            string.Create(CultureInfo.InvariantCulture, $"{onePercent:F2} / {twoPercent:F2} µs"));
    }

    /// <summary>The link file: the pipeline benchmark's link (<see cref="PipelineParts"/>), as a user writes it.</summary>
    private static string WriteLink(TempDirectory folder, ContactsApi api, PostgresServer server, long records, bool invalidEmails)
    {
        var path = folder.Combine("contacts.link.yaml");
        File.WriteAllText(path, $"""
            name: contacts-cli
            source:
              type: http
              url: "{api.Url}/contacts?total={records}&invalidEmails={(invalidEmails ? "true" : "false")}"
              pagination: {"{"} style: page, pageParam: page, sizeParam: size, concurrency: 4 {"}"}
            steps:
              - validate: {"{"} field: email, required: true, email: true {"}"}
              - convert: {"{"} field: amount, to: number {"}"}
              - truncate: {"{"} field: name, maxLength: 80 {"}"}
            target:
              type: postgres
              connectionString: "{server.ConnectionString()}"
              table: {Table}
              mode: upsert
              key: id
            settings:
              batchSize: 1000
            """);
        return path;
    }

    private static void Check(JsonNode summary, long records, bool invalidEmails)
    {
        var counts = summary["counts"]!;
        var expectedFailed = ContactsApi.BadCount(records) + (invalidEmails ? ContactsApi.InvalidEmailCount(records) : 0);
        if (counts["read"]!.GetValue<long>() != records || counts["failed"]!.GetValue<long>() != expectedFailed
            || counts["succeeded"]!.GetValue<long>() != records - expectedFailed)
            throw new InvalidOperationException($"resync run did not end as expected ({expectedFailed:N0} failed of {records:N0}): {counts.ToJsonString()}");
    }

    private sealed record CliRun(double WallSeconds, double CpuSeconds, long PeakRssBytes, JsonNode Summary);

    /// <summary>Runs <c>resync run</c> and reads its CPU time from the kernel once it has exited and been reaped.</summary>
    private static async Task<CliRun> RunCliAsync(string link, string state, bool pgo)
    {
        // RESYNC_BENCH_CLI: a published `resync` (the single-file executable, or a resync.dll) to measure instead.
        var cli = Environment.GetEnvironmentVariable("RESYNC_BENCH_CLI") is { Length: > 0 } published ? published : Path.Combine(AppContext.BaseDirectory, "resync.dll");
        var viaHost = cli.EndsWith(".dll", StringComparison.Ordinal);
        var start = new ProcessStartInfo(viaHost ? "dotnet" : cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (viaHost ? [cli] : Array.Empty<string>()).Concat(["run", link, "--db", state, "--json"]))
            start.ArgumentList.Add(argument);
        if (pgo)
            start.Environment["DOTNET_TieredPGO"] = "1";
        var before = ChildrenUsage();
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("resync run did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        // Its peak resident set size, read while it runs (the kernel keeps it until the process is gone): the last reading.
        long peakRss = 0;
        var id = process.Id.ToString(CultureInfo.InvariantCulture);
        while (!process.HasExited)
        {
            try
            {
                peakRss = Math.Max(peakRss, PipelineMemoryBenchmark.PeakRssBytes(id) ?? 0);
            }
            catch (IOException)
            {
                // It exited between the check and the read.
            }
            await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(100));
        }
        await process.WaitForExitAsync();
        var wall = watch.Elapsed.TotalSeconds;
        var after = ChildrenUsage();
        // Exit code 1: the run completed with errors, as it should here (the bad records).
        if (process.ExitCode is not (0 or 1))
            throw new InvalidOperationException($"resync run exited with {process.ExitCode}: {await errors}");
        var summary = JsonNode.Parse(await output) ?? throw new InvalidOperationException("resync run printed no summary");
        return new CliRun(wall, after - before, peakRss, summary);
    }

    /// <summary>The CPU time of this process's finished and reaped children (the runtime reaps each as it exits).</summary>
    private static double ChildrenUsage()
    {
        if (GetRUsage(RusageChildren, out var usage) != 0)
            throw new InvalidOperationException($"getrusage failed: {Marshal.GetLastPInvokeError()}");
        return usage.UserSeconds + usage.UserMicroseconds / 1e6 + usage.SystemSeconds + usage.SystemMicroseconds / 1e6;
    }

    private const int RusageChildren = -1;

    [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static extern int GetRUsage(int who, out RUsage usage);

    /// <summary>Linux's <c>struct rusage</c> on 64 bits: two timevals, then fourteen longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds, MaxRssKilobytes;
        public long IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NVCsw, NIvCsw;
    }
}
