using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Npgsql;
using Resync.Server;
using Resync.Testing;
using Resync.Testing.Postgres;
using Resync.Testing.RabbitMq;

namespace Resync.Benchmarks.Cluster;

/// <summary>
/// Cluster mode's throughput in one run, with real processes: one link file (the demo source, a CPU-bound chain of built-in
/// steps, a PostgreSQL upsert) run by a server embedded (batches in its process) and in cluster mode with 3, 2 and 1
/// <c>resync worker</c> processes, against a broker and a PostgreSQL server started here on 127.0.0.1. The server (the run's
/// engine: it reads the source and publishes the batches) runs in this process; each run is timed by the store (its start to
/// its end). Ratios, not absolutes: the machine is shared.
/// </summary>
internal static class ClusterBenchmark
{
    /// <summary>
    /// How many pattern checks each record goes through, each on a 2,000-character field: enough that the steps, not the store
    /// or the broker, are what takes the time (each check well under the pattern's 100 ms limit).
    /// </summary>
    private const int Checks = 8;

    private const int PadLength = 2000;

    public static async Task RunAsync(long records, int pageSize, int maxWorkers)
    {
        var loadBefore = BenchSummary.LoadAverage();
        await using var broker = await RabbitMqBroker.StartAsync(CancellationToken.None);
        await using var database = await PostgresDatabase.CreateAsync("bench_cluster");
        var target = await database.CreateSchemaAsync("target");
        await using (var create = new NpgsqlConnection(target))
        {
            await create.OpenAsync();
            await using var table = new NpgsqlCommand("CREATE TABLE contacts (id text PRIMARY KEY, name text, email text)", create);
            await table.ExecuteNonQueryAsync();
        }
        using var temp = new TempDirectory("resync-bench");
        var folder = temp.Path;
        var links = Path.Combine(folder, "links");
        Directory.CreateDirectory(links);
        await File.WriteAllTextAsync(Path.Combine(links, "warmup.yaml"), LinkFile("warmup", Math.Min(records, 20 * pageSize), pageSize, target));
        await File.WriteAllTextAsync(Path.Combine(links, "cpu-bound.yaml"), LinkFile("cpu-bound", records, pageSize, target));
        var state = PostgresUri(database.ConnectionString);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cluster: {records:N0} demo records in pages of {pageSize}, {Checks} pattern checks of {PadLength:N0} characters per record, a PostgreSQL upsert; state in PostgreSQL; load average {loadBefore}"));

        double embedded;
        await using (var server = await ServerAsync(folder, state, broker: null))
        {
            await server.RunAsync("warmup", target);
            embedded = records / await server.RunAsync("cpu-bound", target);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  embedded (one process):   {embedded,10:N0} records/s"));

        var rates = new SortedDictionary<int, double>();
        await using (var server = await ServerAsync(folder, state, broker.Uri.ToString()))
        {
            var workers = new List<Process>();
            try
            {
                for (var i = 0; i < maxWorkers; i++)
                    workers.Add(await StartWorkerAsync(state, broker.Uri.ToString(), links));
                await server.RunAsync("warmup", target); // every worker takes some of its batches: none is cold below
                // Most workers first, then one fewer each time: a worker stopped (SIGTERM) takes no more batches.
                for (var count = maxWorkers; count >= 1; count--)
                {
                    rates[count] = records / await server.RunAsync("cpu-bound", target);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    ({count} worker processes: {rates[count]:N0} records/s)"));
                    if (count > 1)
                    {
                        await StopAsync(workers[^1]);
                        workers.RemoveAt(workers.Count - 1);
                    }
                }
            }
            finally
            {
                foreach (var worker in workers)
                    await StopAsync(worker);
            }
        }
        var single = rates[1];
        foreach (var (count, rate) in rates)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  cluster, {count} worker process{(count == 1 ? ": " : "es:")} {rate,10:N0} records/s   ×{rate / single:0.00} of 1 worker, ×{rate / embedded:0.00} of embedded"));
            BenchSummary.Add("cluster", string.Create(CultureInfo.InvariantCulture, $"cluster, {count} worker process{(count == 1 ? "" : "es")} (× of 1 worker; × of embedded)"),
                string.Create(CultureInfo.InvariantCulture, $"×{rate / single:0.00}; ×{rate / embedded:0.00}"));
        }
        Console.WriteLine($"  load average before: {loadBefore}; after: {BenchSummary.LoadAverage()}");
    }

    /// <summary>The link every mode runs: the demo's records, a 2,000-character field checked against a pattern <see cref="Checks"/> times, then dropped.</summary>
    private static string LinkFile(string name, long records, int pageSize, string target)
    {
        var steps = new System.Text.StringBuilder();
        steps.Append(CultureInfo.InvariantCulture, $"  - set: {{ field: pad, value: \"{string.Concat(Enumerable.Repeat("ab", PadLength / 2))}\" }}\n");
        for (var i = 0; i < Checks; i++)
            steps.Append("  - validate: { field: pad, pattern: \"(?:[ab]|c)*\" }\n");
        steps.Append("  - map: { fields: { id: id, name: name, email: email } }\n");
        return string.Create(CultureInfo.InvariantCulture, $$"""
            name: {{name}}
            source: { type: demo, records: {{records}}, failingPage: 0 }
            steps:
            {{steps}}target: { type: postgres, connectionString: "{{target}}", table: contacts, key: id }
            settings: { batchSize: {{pageSize}}, parallelism: 4 }
            """);
    }

    private static string PostgresUri(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgres://{builder.Username}:{Uri.EscapeDataString(builder.Password!)}@{builder.Host}:{builder.Port}/{builder.Database}";
    }

    private static async Task<BenchCluster> ServerAsync(string folder, string state, string? broker)
    {
        var options = new ServerOptions
        {
            Urls = "http://127.0.0.1:0",
            DatabasePath = Path.Combine(folder, "state.db"), // the key ring's folder: the state itself is in PostgreSQL
            State = state,
            Broker = broker,
            LinksFolder = Path.Combine(folder, "links"),
            AllowLoopback = true,
            RateLimit = null,
        };
        var app = await ResyncServer.BuildAsync(options, configure: builder => builder.Logging.ClearProviders());
        var (url, key) = await BenchServer.StartAsync(app);
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return new BenchCluster(app, client);
    }

    /// <summary>Starts <c>resync worker</c> (the CLI built beside this benchmark) and returns once it takes batches.</summary>
    private static async Task<Process> StartWorkerAsync(string state, string broker, string links)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "resync.dll"), "worker", "--state", state, "--broker", broker, "--links", links,
                     "--allow-loopback", "--json" })
            start.ArgumentList.Add(argument);
        // One batch at a time: a worker then uses one core, so that on 2 cores the second worker's gain shows (the default 2
        // lets one worker fill both cores alone).
        start.Environment["RESYNC__WORKERPREFETCH"] = "1";
        var worker = Process.Start(start) ?? throw new InvalidOperationException("resync worker did not start");
        _ = worker.StandardError.ReadToEndAsync();
        using var safetyNet = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        _ = await worker.StandardOutput.ReadLineAsync(safetyNet.Token) ?? throw new InvalidOperationException($"resync worker exited with {worker.ExitCode}");
        _ = worker.StandardOutput.ReadToEndAsync();
        return worker;
    }

    private static async Task StopAsync(Process worker)
    {
        if (!worker.HasExited)
        {
            using var term = Process.Start("kill", ["-TERM", worker.Id.ToString(CultureInfo.InvariantCulture)])!;
            await term.WaitForExitAsync();
            await worker.WaitForExitAsync();
        }
        worker.Dispose();
    }

    /// <summary>A server in this process and a client on its API.</summary>
    private sealed class BenchCluster(WebApplication app, HttpClient client) : IAsyncDisposable
    {
        /// <summary>Empties the target, runs the link through the API and returns the run's seconds (its start to its end, as the store has them).</summary>
        public async Task<double> RunAsync(string linkId, string target)
        {
            await using (var connection = new NpgsqlConnection(target))
            {
                await connection.OpenAsync();
                await using var truncate = new NpgsqlCommand("TRUNCATE contacts", connection);
                await truncate.ExecuteNonQueryAsync();
            }
            using var started = await client.PostAsync($"/api/v1/links/{linkId}/runs", null);
            var body = await started.Content.ReadAsStringAsync();
            if (!started.IsSuccessStatusCode)
                throw new InvalidOperationException($"The run of {linkId} did not start: {(int)started.StatusCode} {body}");
            var runId = JsonNode.Parse(body)!["runId"]!.GetValue<long>();
            while (true)
            {
                var run = JsonNode.Parse(await client.GetStringAsync($"/api/v1/runs/{runId}"))!;
                var status = run["status"]!.GetValue<string>();
                if (status != "Running")
                {
                    var read = run["counts"]!["read"]!.GetValue<long>();
                    if (status != "Succeeded" || run["counts"]!["succeeded"]!.GetValue<long>() != read)
                        throw new InvalidOperationException($"Run {runId} of {linkId} ended {status}: {run["counts"]!.ToJsonString()}; expected every record written.");
                    return (run["endedAt"]!.GetValue<DateTimeOffset>() - run["startedAt"]!.GetValue<DateTimeOffset>()).TotalSeconds;
                }
                await Task.Delay(100);
            }
        }

        public async ValueTask DisposeAsync()
        {
            client.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
