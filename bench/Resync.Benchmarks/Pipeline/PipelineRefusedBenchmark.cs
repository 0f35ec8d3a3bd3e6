using System.Diagnostics;
using Npgsql;
using Resync.Core.Engine;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Testing.Postgres;

namespace Resync.Benchmarks.Pipeline;

/// <summary>
/// The pipeline (HTTP → 3 steps → PostgreSQL upsert) with the same 1% of records refused two ways: by a column limit the
/// target knows up front (<c>varchar(40)</c>: those records never reach the server), and by a CHECK constraint only the
/// server knows (each batch with such a record goes through the server-side per-row function). Target: the second at
/// ≥ 80% of the first's rate.
/// </summary>
internal static class PipelineRefusedBenchmark
{
    private const string KnownTable = "contacts_known";
    private const string CheckTable = "contacts_check";

    public static async Task<double> RunAsync(long records, int repeat, int writers, int fetches)
    {
        await using var server = await PostgresServer.StartAsync(CancellationToken.None);
        await using var dataSource = PipelineParts.DataSource(server);
        await using var api = await ContactsApi.StartAsync();
        await ContactsTable.CreateAsync(dataSource, KnownTable, ContactsApi.PhoneLimit);
        await ContactsTable.CreateAsync(dataSource, CheckTable, phoneLimit: null);
        await using (var constraint = dataSource.CreateCommand($"ALTER TABLE {CheckTable} ADD CONSTRAINT id_not_37 CHECK (id % 100 <> 37)"))
            await constraint.ExecuteNonQueryAsync();

        var warmUp = Math.Min(records, 200_000);
        await OnceAsync(api, dataSource, KnownTable, warmUp, writers, fetches);
        await OnceAsync(api, dataSource, CheckTable, warmUp, writers, fetches);
        if (records > warmUp)
        {
            // At the measured size too, so that PostgreSQL's WAL has the segment files such runs need before any is measured (as
            // the pipeline benchmark's warm-up does: the first run of a size made them, and its side paid for it).
            await OnceAsync(api, dataSource, KnownTable, records, writers, fetches);
            await OnceAsync(api, dataSource, CheckTable, records, writers, fetches);
        }
        var known = new List<double>();
        var check = new List<double>();
        for (var i = 0; i < repeat; i++)
        {
            // Alternate which goes first, so that neither always follows the other's checkpoint or garbage.
            if (i % 2 == 0)
            {
                known.Add(await OnceAsync(api, dataSource, KnownTable, records, writers, fetches));
                check.Add(await OnceAsync(api, dataSource, CheckTable, records, writers, fetches));
            }
            else
            {
                check.Add(await OnceAsync(api, dataSource, CheckTable, records, writers, fetches));
                known.Add(await OnceAsync(api, dataSource, KnownTable, records, writers, fetches));
            }
            Console.WriteLine($"  round {i + 1}: known limit {records / known[^1]:N0} records/s, CHECK {records / check[^1]:N0} records/s, ratio {known[^1] / check[^1]:P0}");
        }
        var ratio = Statistics.Median([.. known.Zip(check, (k, c) => k / c)]);
        Console.WriteLine();
        Console.WriteLine($"{records:N0} records, 1% refused ({ContactsApi.BadCount(records):N0}), {writers} writers, {fetches} fetches; median of {repeat}");
        Console.WriteLine($"{"refused by",-44} {"seconds",8} {"records/s",11}");
        Console.WriteLine($"{"a known column limit (varchar(40))",-44} {Statistics.Median(known),8:F2} {records / Statistics.Median(known),11:N0}");
        Console.WriteLine($"{"a CHECK constraint only the server knows",-44} {Statistics.Median(check),8:F2} {records / Statistics.Median(check),11:N0}");
        Console.WriteLine($"CHECK / known limit: {ratio:P0} median of the rounds' ratios (target ≥ 80 %)");
        BenchSummary.Add("pipeline-refused", "1% refused by a CHECK / by a known column limit (rate)", $"{ratio:P0}", "≥ 80 %", ratio >= 0.8);
        return ratio;
    }

    private static async Task<double> OnceAsync(ContactsApi api, NpgsqlDataSource dataSource, string table, long records, int writers, int fetches)
    {
        await ContactsTable.TruncateAsync(dataSource, table);
        await using var target = PipelineParts.Target(dataSource, table);
        var link = PipelineParts.Link($"pipeline-{table}", PipelineParts.Source(api, records, fetches), target, new LinkSettings { BatchSize = 1000, Parallelism = writers });
        var engine = new RunEngine(BenchStore.Sqlite, TimeProvider.System);
        var watch = Stopwatch.StartNew();
        var result = await engine.RunAsync(link, new RunRequest(RunKind.Manual, "benchmark"));
        var seconds = watch.Elapsed.TotalSeconds;

        // Exactly the bad records failed, each a Data error at the target; every other record is in the table.
        var bad = ContactsApi.BadCount(records);
        var rows = await ContactsTable.ScalarAsync(dataSource, $"SELECT count(*) FROM {table}");
        var badRows = await ContactsTable.ScalarAsync(dataSource, $"SELECT count(*) FROM {table} WHERE id % 100 = 37");
        var failed = await BenchStore.Sqlite.ListRecordsAsync(result.RunId, new RecordFilter(OutcomeKind.Failed, 0, 1000), CancellationToken.None);
        if (result.Status != RunStatus.CompletedWithErrors || result.Counts.Failed != bad || result.Counts.Succeeded != records - bad
            || rows != records - bad || badRows != 0
            || failed.Any(record => !ContactsApi.IsBad(long.Parse(record.Key!, System.Globalization.CultureInfo.InvariantCulture))
                                    || record.Error is not { Step: "target", Type: ErrorType.Data }))
            throw new InvalidOperationException($"{table}: the run did not end as expected ({bad:N0} failed of {records:N0}): {result}, {rows:N0} rows ({badRows:N0} bad)");
        return seconds;
    }
}
