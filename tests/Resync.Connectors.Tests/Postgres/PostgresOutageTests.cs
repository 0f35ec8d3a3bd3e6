using System.Globalization;
using Npgsql;
using Resync.Connectors.Http;
using Resync.Connectors.Postgres;
using Resync.Connectors.Sql;
using Resync.Connectors.Tests.Http;
using Resync.Core.Engine;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Recovery;
using Resync.Core.Runs;
using Resync.Core.Sdk;
using Resync.Testing.Http;
using Resync.Testing.Postgres;

namespace Resync.Connectors.Tests.Postgres;

/// <summary>The PostgreSQL server stops and starts again in the middle of a run: one retry of the incomplete run finishes it, each row written once.</summary>
public sealed class PostgresOutageTests
{
    private const int Total = 50_000;
    private const int PageSize = 500;
    private const int OutageAtBatch = 17;

    [Fact]
    public async Task PostgresStoppedAndStartedMidRun_OneIncompleteRetry_LeavesEveryRowOnce_AndTheResumeWritesNoKeyTwice()
    {
        // A cluster of its own: the shared one serves other tests while this one is down.
        await using var postgres = await PostgresServer.StartAsync(CancellationToken.None);
        var database = await postgres.CreateDatabaseAsync("outage");
        await ExecuteAsync(database, WriteAudit.ContactsSql);
        await using var api = await FakeApi.StartAsync((context, seen) =>
        {
            var page = int.Parse(seen.Parameter("page") ?? "1", CultureInfo.InvariantCulture);
            var first = (page - 1) * PageSize + 1;
            var items = first > Total ? [] : Enumerable.Range(first, Math.Min(PageSize, Total - first + 1))
                .Select(i => new { id = $"c{i:D5}", name = $"Contact {i}", email = $"c{i}@example.com" }).ToArray();
            return FakeApi.Json(context, new { items });
        });
        await using var engine = await EngineRun.StartAsync();
        var runner = new LinkRunner(engine.Store, engine.Store, engine.Store, engine.Clock);

        // The server stops just before batch 17 is written (one batch at a time, so no write is under way then).
        await using (var target = new OutageAt(OutageAtBatch, () => postgres.StopForAWhileAsync(), Target(database)))
        {
            var outcome = await runner.RunAsync(Link(api, target), new RunRequest());

            outcome.Run.Status.ShouldBe(RunStatus.Failed);
            outcome.Run.SystemError!.Type.ShouldBe(ErrorType.Connection);
            outcome.IncompleteRunId.ShouldNotBeNull();
        }
        await postgres.StartAgainAsync();
        (await QueryAsync(database, "SELECT count(*) FROM contacts")).ShouldBe((OutageAtBatch - 1) * PageSize, "the batches before the outage");

        // A later command: a fresh connection pool, and the same link.
        await using (var target = Target(database))
        {
            var resumed = await runner.RetryIncompleteAsync(Link(api, target), (await engine.Store.ListIncompleteAsync(new(LinkId: "outage"), CancellationToken.None)).Single().Id);
            resumed.Status.ShouldBe(RunStatus.Succeeded);
        }

        (await QueryAsync(database, "SELECT count(*) FROM contacts")).ShouldBe(Total);
        (await QueryAsync(database, "SELECT count(DISTINCT id) FROM contacts")).ShouldBe(Total);
        (await QueryAsync(database, "SELECT count(*) FROM writes")).ShouldBe(Total);
        (await QueryAsync(database, "SELECT count(*) FROM writes WHERE count > 1")).ShouldBe(0, "no key was written twice");
        api.Requests.Count(r => r.Parameter("page") == "1").ShouldBe(1, "the resume reads on after the pages taken, not from the start");
    }

    private static Link Link(FakeApi api, ITarget target) =>
        new("outage", new HttpJsonSource(new HttpSourceOptions
        {
            Url = $"{api.Url}/contacts",
            RecordsPath = "items",
            KeyField = "id",
            Paging = new HttpPaging { Style = HttpPagingStyle.Page, SizeParam = "per_page" },
        }), [], target, EngineRun.Settings(PageSize) with { Parallelism = 1, CallRetryAttempts = 2 })
        {
            Classifier = ErrorClassifier.Default.With(PostgresExceptionClassifier.Instance),
        };

    private static PostgresTableTarget Target(string database) =>
        new(NpgsqlDataSource.Create(database), "contacts", SqlWriteMode.Upsert, "id", ownsDataSource: true);

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database + ";Pooling=false"); // No connection of before the outage.
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> QueryAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database + ";Pooling=false"); // No connection of before the outage.
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>The real target, with a database outage that starts just before the given batch is written.</summary>
    private sealed class OutageAt(int batch, Func<Task> outage, ITarget target) : ITarget
    {
        private int _started;

        public async Task<TargetWriteResult> WriteAsync(TargetBatch work, CancellationToken cancellationToken)
        {
            if (work.BatchNumber == batch && Interlocked.Exchange(ref _started, 1) == 0)
                await outage();
            return await target.WriteAsync(work, cancellationToken);
        }

        public ValueTask DisposeAsync() => target.DisposeAsync();
    }
}
