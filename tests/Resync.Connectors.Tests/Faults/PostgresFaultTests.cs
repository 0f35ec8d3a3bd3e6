using Npgsql;
using Resync.Connectors.Tests.Postgres;
using static Resync.Connectors.Tests.Postgres.PostgresContactsLink;
using Resync.Testing.Faults;
using Resync.Testing.Postgres;

namespace Resync.Connectors.Tests.Faults;

/// <summary>
/// Issue 17's scenario 8: the TCP connection to PostgreSQL is reset in the middle of a batch's transaction (through the fault
/// proxy). The transaction rolls back; the batch is written again (within the run when the link's policy retries Connection
/// errors, else by the resume of the run's remainder); the server restarted while a batch's transaction is open rolls it back too.
/// An audit trigger counting committed writes per key shows every
/// row written exactly once.
/// </summary>
public sealed class PostgresFaultTests(PostgresDatabaseFixture fixture) : IClassFixture<PostgresDatabaseFixture>, IAsyncLifetime
{
    private const int Total = 1_000;
    private const int PageSize = 100;
    private const int ResetAtBatch = 4;
    private FakeApi _api = null!;
    private string _database = null!;

    public async Task InitializeAsync()
    {
        _database = await fixture.Database.CreateSchemaAsync("faults");
        await ExecuteAsync(_database, WriteAudit.ContactsSql);
        _api = await StartApiAsync(Total, PageSize, i => $"Contact number {i} with a name long enough to fill the request");
    }

    [Fact]
    public async Task ConnectionResetMidTransaction_WithConnectionRetries_RollsBackAndWritesTheBatchAgainInTheRun_EachRowOnce()
    {
        await using var proxy = FaultProxy.Start(fixture.Database.Server.Port);
        await using var engine = await EngineRun.StartAsync();
        await using var target = ResetBefore(ResetAtBatch, proxy, Target(proxy));
        var settings = Settings() with
        {
            ErrorPolicies = new Dictionary<ErrorType, ErrorTypePolicy> { [ErrorType.Connection] = new() { Attempts = 3, Delays = [TimeSpan.FromSeconds(1)] } },
        };

        var result = await new RunEngine(engine.Store, engine.Clock).RunAsync(Link(target, settings), new RunRequest());

        proxy.Struck.IsCompleted.ShouldBeTrue("the connection was reset mid-transaction");
        (result.Status, result.Counts.Read, result.Counts.Succeeded).ShouldBe((RunStatus.Succeeded, (long)Total, (long)Total));
        await EveryRowWrittenOnceAsync(_database, Total);
    }

    [Fact]
    public async Task ConnectionResetMidTransaction_StopsTheRun_AndTheResumeWritesTheRolledBackBatch_EachRowOnce()
    {
        await using var proxy = FaultProxy.Start(fixture.Database.Server.Port);
        await using var engine = await EngineRun.StartAsync();
        var runner = engine.Runner;
        await using var target = ResetBefore(ResetAtBatch, proxy, Target(proxy));
        var link = Link(target, Settings());

        var outcome = await runner.RunAsync(link, new RunRequest());

        var run = outcome.Run;
        var stop = Stopped(run);
        proxy.Struck.IsCompleted.ShouldBeTrue($"the connection was reset mid-transaction; {stop}");
        (run.Status, run.SystemError!.Type).ShouldBe((RunStatus.Failed, ErrorType.Connection), stop);
        run.Counts.IsBalanced.ShouldBeTrue();
        run.Counts.Succeeded.ShouldBe((ResetAtBatch - 1) * PageSize, $"the batches before the reset; {stop}");
        (await CountAsync(_database, "SELECT count(*) FROM contacts")).ShouldBe(run.Counts.Succeeded, "the reset batch rolled back");
        (await runner.RetryIncompleteAsync(link, outcome.IncompleteRunId.ShouldNotBeNull())).Status.ShouldBe(RunStatus.Succeeded);
        (await engine.Store.GetRunAsync(run.RunId, CancellationToken.None))!.Status.ShouldBe(RunStatus.Succeeded);
        await EveryRowWrittenOnceAsync(_database, Total);
    }

    [Fact]
    public async Task PostgresRestartedMidTransaction_RollsTheBatchBack_AndTheResumeWritesItOnce()
    {
        // A cluster of its own: the shared one serves other tests while this one restarts.
        await using var postgres = await PostgresServer.StartAsync(CancellationToken.None);
        var database = await postgres.CreateDatabaseAsync("restart");
        _database = database;
        // The first write of c00350 (batch 4) holds its transaction open until the server goes down (a sequence is not rolled back).
        await ExecuteAsync(database, WriteAudit.ContactsSql + """
            CREATE SEQUENCE holds;
            CREATE FUNCTION hold_write() RETURNS trigger AS $$
            BEGIN
                IF NEW.id = 'c00350' AND nextval('holds') = 1 THEN PERFORM pg_sleep(600); END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER contacts_held BEFORE INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION hold_write();
            """);
        await using var engine = await EngineRun.StartAsync();
        var runner = engine.Runner;
        LinkRunOutcome outcome;
        await using (var target = PostgresContactsLink.Target(database))
        {
            var running = runner.RunAsync(Link(target, Settings()), new RunRequest());
            while (await CountAsync(_database, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'") == 0)
            {
                running.IsCompleted.ShouldBeFalse("the run waits in batch 4's transaction");
                await Task.Delay(50);
            }
            await postgres.StopForAWhileAsync();
            outcome = await running.WaitAsync(Patience.Limit);
        }
        await postgres.StartAgainAsync();

        var run = outcome.Run;
        var stop = Stopped(run);
        (run.Status, run.SystemError!.Type).ShouldBe((RunStatus.Failed, ErrorType.Connection), stop);
        run.Counts.IsBalanced.ShouldBeTrue();
        run.Counts.Succeeded.ShouldBe((ResetAtBatch - 1) * PageSize, $"the batches before the restart; {stop}");
        (await CountAsync(_database, "SELECT count(*) FROM contacts")).ShouldBe(run.Counts.Succeeded, "the held batch rolled back");
        // A later command: a fresh connection pool, and the same link.
        await using (var target = PostgresContactsLink.Target(database))
            (await runner.RetryIncompleteAsync(Link(target, Settings()), outcome.IncompleteRunId.ShouldNotBeNull())).Status.ShouldBe(RunStatus.Succeeded);
        await EveryRowWrittenOnceAsync(_database, Total);
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static LinkSettings Settings() => PostgresContactsLink.Settings(PageSize);

    // What stopped the run, for the assertions' messages: the injected fault, or anything else that stopped it first.
    private static string Stopped(RunResult run) => $"the run stopped with: {run.SystemError?.Step} {run.SystemError?.Code} {run.SystemError?.Message}";

    private Link Link(ITarget target, LinkSettings settings) => PostgresContactsLink.Link("pg-faults", _api, target, settings);

    /// <summary>The target through the proxy, a connection per write (no pool), so that a fault injected before a write strikes it.</summary>
    private PostgresTableTarget Target(FaultProxy proxy) =>
        PostgresContactsLink.Target(new NpgsqlConnectionStringBuilder(_database) { Host = "127.0.0.1", Port = proxy.Port, Pooling = false }.ToString());

    /// <summary>
    /// The real target; before batch <paramref name="batch"/> is written (once), the proxy is told to reset the next connection once
    /// it has passed the handshake and part of the batch's statement: mid-transaction.
    /// </summary>
    private static BeforeBatchTarget ResetBefore(int batch, FaultProxy proxy, ITarget target) => new(batch, () =>
    {
        proxy.Inject(new Fault(FaultKind.ResetMidRequest, Bytes: 4_000, Connections: 1));
        return Task.CompletedTask;
    }, target);
}
