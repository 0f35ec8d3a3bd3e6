using System.Diagnostics;
using Npgsql;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Sdk;
using Resync.Testing.Postgres;

namespace Resync.Benchmarks.Pipeline;

/// <summary>
/// The pipeline taken apart, to see where the time goes: each part alone on the same data, with wall-clock time,
/// allocations and this process's CPU time (the API server's included where it runs).
/// </summary>
internal static class PipelineProfile
{
    private const int PageSize = 1000;

    public static async Task RunAsync(long records, int writers, int fetches)
    {
        await using var server = await PostgresServer.StartAsync(CancellationToken.None);
        await using var dataSource = NpgsqlDataSource.Create(server.ConnectionString());
        await using var noReset = NpgsqlDataSource.Create(server.ConnectionString() + ";No Reset On Close=true");
        await using var api = await ContactsApi.StartAsync();
        await ContactsTable.CreateAsync(dataSource, "contacts_resync", ContactsApi.PhoneLimit);
        await ContactsTable.CreateAsync(dataSource, "contacts_bare", phoneLimit: null);
        var source = PipelineParts.Source(api, records, fetches);
        var steps = PipelineParts.Steps();

        // The records as the source makes them, kept in memory for the target-only rows.
        var pages = new List<IReadOnlyList<Record>>();
        await foreach (var page in source.ReadAsync(new SourceContext("p", 1, null, PageSize, TimeProvider.System), CancellationToken.None))
            pages.Add(page.Records);
        var bare = new BareLoop(api.Url, dataSource, "contacts_bare", PageSize, fetches, writers);
        var contacts = await bare.FetchAllAsync(records);
        var stepped = pages.Select(page => (IReadOnlyList<Record>)[.. page.Select(record => Apply(steps, record)).OfType<Record>()]).ToList();

        using var types = new AllocationTypes();
        var measured = false;
        for (var round = 0; round < 2; round++)
        {
            measured = round == 1;
            Console.WriteLine($"round {round + 1} ({(round == 0 ? "warm-up" : "measured")})");
            await Row("HTTP source only (fetch + parse into records)", async () =>
            {
                await foreach (var _ in source.ReadAsync(new SourceContext("p", 1, null, PageSize, TimeProvider.System), CancellationToken.None))
                {
                }
            });
            await Row("steps only (clone + 3 steps), one thread", () =>
            {
                foreach (var page in pages)
                {
                    foreach (var record in page)
                        Apply(steps, record);
                }
                return Task.CompletedTask;
            });
            await Row("bare fetch + parse only", async () =>
            {
                for (var i = 0; i < 1; i++)
                    await bare.FetchAllAsync(records);
            });
            await Row("engine: pages in memory → 3 steps → no-op target", () => RunAsync(new Link("p0", new MemorySource(pages), steps, new NoOpTarget(),
                new LinkSettings { BatchSize = PageSize, Parallelism = writers })));
            await Row("engine: HTTP source → 3 steps → no-op target", () => RunAsync(new Link("p1", source, steps, new NoOpTarget(),
                new LinkSettings { BatchSize = PageSize, Parallelism = writers })));
            await ContactsTable.TruncateAsync(dataSource, "contacts_resync");
            await Row($"PostgreSQL target only, {writers} writers", async () =>
            {
                await using var target = PipelineParts.Target(dataSource, "contacts_resync");
                await InParallelAsync(stepped, writers, page => target.WriteAsync(new TargetBatch("p", 1, 1, page), CancellationToken.None));
            });
            await ContactsTable.TruncateAsync(dataSource, "contacts_resync");
            await Row($"PostgreSQL target only, no reset on close", async () =>
            {
                await using var target = PipelineParts.Target(noReset, "contacts_resync");
                await InParallelAsync(stepped, writers, page => target.WriteAsync(new TargetBatch("p", 1, 1, page), CancellationToken.None));
            });
            await ContactsTable.TruncateAsync(dataSource, "contacts_bare");
            await Row($"bare writers only, {writers} writers", () => bare.WriteAllAsync(contacts));
            await ContactsTable.TruncateAsync(dataSource, "contacts_resync");
            await Row("full Resync pipeline", async () =>
            {
                await using var target = PipelineParts.Target(dataSource, "contacts_resync");
                await RunAsync(new Link("p2", source, steps, target, new LinkSettings { BatchSize = PageSize, Parallelism = writers }));
            });
            await ContactsTable.TruncateAsync(dataSource, "contacts_bare");
            await Row("bare loop", () => bare.RunAsync(records));
        }

        async Task Row(string what, Func<Task> run)
        {
            // PIPELINE_PROFILE_ONLY=text runs only the parts whose name contains it (e.g. under perf, one part at a time).
            if (Environment.GetEnvironmentVariable("PIPELINE_PROFILE_ONLY") is { Length: > 0 } only && !what.Contains(only, StringComparison.Ordinal))
                return;
            GC.Collect();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var (gen0, gen1, gen2, pause) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            if (measured)
                types.Start();
            var stopwatch = Stopwatch.StartNew();
            await run();
            stopwatch.Stop();
            Console.WriteLine($"  {what,-50} {records / stopwatch.Elapsed.TotalSeconds,11:N0} rec/s {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)records,8:N0} B/rec " +
                $"{(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / records,6:F2} µs CPU/rec; GCs {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}, paused {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F0} ms");
            if (measured)
                types.Print(what, records, top: 15);
        }
    }

    private sealed class MemorySource(List<IReadOnlyList<Record>> pages) : ISource
    {
        public async IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            for (var i = 0; i < pages.Count; i++)
                yield return SourcePage.Of(i.ToString(System.Globalization.CultureInfo.InvariantCulture), pages[i]);
        }

        public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
            Task.FromResult(SourcePage.Of(cursor, pages[int.Parse(cursor, System.Globalization.CultureInfo.InvariantCulture)]));
    }

    private static Record? Apply(IReadOnlyList<IStep> steps, Record record)
    {
        var context = new StepContext(record.Clone());
        foreach (var step in steps)
        {
            if (!step.Apply(context).IsContinue)
                return null;
        }
        return context.Record;
    }

    private static async Task InParallelAsync<T>(IReadOnlyList<T> items, int parallelism, Func<T, Task> work)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, parallelism).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < items.Count)
                await work(items[index]);
        })));
    }

    private static async Task RunAsync(Link link)
    {
        var result = await new RunEngine(BenchStore.Sqlite, TimeProvider.System).RunAsync(link, new RunRequest(RunKind.Manual, "profile"));
        if (result.Counts.Read == 0)
            throw new InvalidOperationException("Nothing was read.");
    }
}
