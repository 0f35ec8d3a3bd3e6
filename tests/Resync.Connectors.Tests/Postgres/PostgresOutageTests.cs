using Resync.Testing.Postgres;
using static Resync.Connectors.Tests.Postgres.PostgresContactsLink;

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
        await using var api = await StartApiAsync(Total, PageSize, i => $"Contact {i}");
        await using var engine = await EngineRun.StartAsync();
        var runner = engine.Runner;

        // The server stops just before batch 17 is written (one batch at a time, so no write is under way then).
        await using (var target = new BeforeBatchTarget(OutageAtBatch, () => postgres.StopForAWhileAsync(), Target(database)))
        {
            var outcome = await runner.RunAsync(Link("outage", api, target, Settings(PageSize)), new RunRequest());

            outcome.Run.Status.ShouldBe(RunStatus.Failed);
            outcome.Run.SystemError!.Type.ShouldBe(ErrorType.Connection);
            outcome.IncompleteRunId.ShouldNotBeNull();
        }
        await postgres.StartAgainAsync();
        (await CountAsync(database, "SELECT count(*) FROM contacts")).ShouldBe((OutageAtBatch - 1) * PageSize, "the batches before the outage");

        // A later command: a fresh connection pool, and the same link.
        await using (var target = Target(database))
        {
            var resumed = await runner.RetryIncompleteAsync(Link("outage", api, target, Settings(PageSize)),
                (await engine.Store.ListIncompleteAsync(new(LinkId: "outage"), CancellationToken.None)).Single().Id);
            resumed.Status.ShouldBe(RunStatus.Succeeded);
        }

        await EveryRowWrittenOnceAsync(database, Total);
        (await CountAsync(database, "SELECT count(DISTINCT id) FROM contacts")).ShouldBe(Total);
        api.Requests.Count(r => r.Parameter("page") == "1").ShouldBe(1, "the resume reads on after the pages taken, not from the start");
    }
}
