using Resync.Connectors.Tests.Postgres;
using Resync.LinkFiles;
using Resync.Testing.Postgres;

namespace Resync.Connectors.Tests.Breakers;

/// <summary>A stopped PostgreSQL server opens the tenant's breaker of that server for every link that writes to it.</summary>
public sealed class PostgresBreakerTests
{
    [Fact]
    public async Task TwoLinksOnOneStoppedPostgres_OpenItsBreaker_AThirdRunFailsFast_AndOneProbeClosesItOnceTheServerIsBack()
    {
        // A cluster of its own: the shared one serves other tests while this one is down.
        await using var postgres = await PostgresServer.StartAsync(CancellationToken.None);
        var database = await postgres.CreateDatabaseAsync("breaker");
        await PostgresContactsLink.ExecuteAsync(database, "CREATE TABLE contacts (id text PRIMARY KEY, name text, email text, phone text, company text, updated text)");
        var clock = new ManualTimeProvider();
        var breakers = new ConnectionBreakers(clock, new ConnectionBreakerOptions { MinimumCalls = 2, CoolDown = TimeSpan.FromMinutes(1) });
        var catalog = BuiltInConnectors.CreateCatalog(breakers: breakers);
        var folder = Directory.CreateTempSubdirectory("resync-pg-breaker-").FullName;
        Link Link(string id) => new LinkFileLoader(catalog).Parse($$"""
            name: {{id}}
            source: { type: demo, records: 4, failingPage: 0 }
            target: { type: postgres, connectionString: "{{database}}", table: contacts, key: id }
            """, $"{id}.yaml", folder).Link.ShouldNotBeNull();
        var settings = EngineRun.Settings(batchSize: 10) with { CallRetryAttempts = 1, Parallelism = 1 };
        await using var engine = await EngineRun.StartAsync();
        await postgres.StopForAWhileAsync();

        var (contacts, _) = await engine.RunAsync(Link("contacts").Source, Link("contacts").Target, settings, "contacts");
        var (orders, _) = await engine.RunAsync(Link("orders").Source, Link("orders").Target, settings, "orders");

        (contacts.Status, orders.Status).ShouldBe((RunStatus.Failed, RunStatus.Failed));
        contacts.SystemError!.Type.ShouldBe(ErrorType.Connection);
        var state = breakers.States.ShouldHaveSingleItem();
        (state.Tenant, state.Connection, state.State).ShouldBe((Tenants.Default, $"postgres://127.0.0.1:{postgres.Port}", "open"));
        state.ToString().ShouldNotContain(postgres.Password, Case.Sensitive, "the breaker names the server, never the connection string's secrets");

        var (failedFast, _) = await engine.RunAsync(Link("contacts").Source, Link("contacts").Target, settings, "contacts");
        (failedFast.SystemError!.Type, failedFast.SystemError.Code).ShouldBe((ErrorType.Connection, ErrorCodes.CircuitOpen));

        await postgres.StartAgainAsync();
        clock.Advance(TimeSpan.FromMinutes(1));
        var (probe, _) = await engine.RunAsync(Link("orders").Source, Link("orders").Target, settings, "orders");

        probe.Status.ShouldNotBe(RunStatus.Failed, probe.SystemError?.Message);
        breakers.States.ShouldHaveSingleItem().State.ShouldBe("closed");
    }
}
