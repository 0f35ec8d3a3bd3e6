namespace Resync.Connectors.Tests.Breakers;

/// <summary>One breaker per connection, shared by the links that call it: real HTTP on loopback, the breaker on a manual clock.</summary>
public sealed class ConnectionBreakersTests
{
    [Fact]
    public async Task TwoLinksOnOneDeadServer_BreakerOpens_SecondRunFailsFastWithoutCalling_OneProbeClosesIt()
    {
        var down = true;
        var calls = 0;
        await using var api = await FakeApi.StartAsync(async (context, _) =>
        {
            Interlocked.Increment(ref calls);
            if (Volatile.Read(ref down))
                await FakeApi.Json(context, new { message = "upstream is down" }, 503);
            else
                await FakeApi.Json(context, new { items = Contacts.Range(1, 2) });
        });
        var breakerClock = new ManualTimeProvider();
        var breakers = new ConnectionBreakers(breakerClock, new ConnectionBreakerOptions { MinimumCalls = 2, FailureRatio = 0.5, CoolDown = TimeSpan.FromMinutes(1) });
        var call = new HttpCallSettings { RetryAttempts = 1, Timeout = TestCalls.Timeout, Breakers = breakers };
        Core.Sdk.ISource Source(string path) => HttpJsonSource.Create(new HttpSourceOptions { Url = $"{api.Url}/{path}", RecordsPath = "items", Call = call });
        await using var engine = await EngineRun.StartAsync();
        var connection = ConnectionBreakers.ConnectionOf(api.Url);

        var (contacts, _) = await engine.RunAsync(Source("contacts"), new CollectingTarget(), linkId: "contacts");
        var (orders, _) = await engine.RunAsync(Source("orders"), new CollectingTarget(), linkId: "orders");

        (contacts.Status, orders.Status, contacts.SystemError!.Code, orders.SystemError!.Code).ShouldBe((RunStatus.Failed, RunStatus.Failed, "HTTP_503", "HTTP_503"));
        Volatile.Read(ref calls).ShouldBe(2);
        breakers.States.ShouldHaveSingleItem().ShouldBe(new ConnectionBreakerState(Core.Links.Tenants.Default, connection, "open", breakerClock.GetUtcNow()));

        var (failedFast, _) = await engine.RunAsync(Source("contacts"), new CollectingTarget(), linkId: "contacts");

        failedFast.Status.ShouldBe(RunStatus.Failed);
        (failedFast.SystemError!.Type, failedFast.SystemError.Code, failedFast.SystemError.Durability).ShouldBe((ErrorType.Connection, ErrorCodes.CircuitOpen, Durability.Ephemeral));
        Volatile.Read(ref calls).ShouldBe(2, "an open breaker fails fast without calling the server");

        Volatile.Write(ref down, false);
        breakerClock.Advance(TimeSpan.FromMinutes(1));
        var (probe, _) = await engine.RunAsync(Source("orders"), new CollectingTarget(), linkId: "orders");

        (probe.Status, probe.Counts.Succeeded).ShouldBe((RunStatus.Succeeded, 2L));
        Volatile.Read(ref calls).ShouldBe(3, "one probe call");
        breakers.States.ShouldHaveSingleItem().State.ShouldBe("closed");
    }

    [Fact]
    public async Task OneTenantsFailingCalls_DoNotOpenAnotherTenantsBreaker()
    {
        var calls = 0;
        await using var api = await FakeApi.StartAsync(async (context, seen) =>
        {
            Interlocked.Increment(ref calls);
            if (seen.Path.EndsWith("/broken", StringComparison.Ordinal))
                await FakeApi.Json(context, new { message = "down" }, 503);
            else
                await FakeApi.Json(context, new { items = Contacts.Range(1, 2) });
        });
        var breakers = new ConnectionBreakers(new ManualTimeProvider(), new ConnectionBreakerOptions { MinimumCalls = 2 });
        Core.Sdk.ISource Source(string tenant, string path) => HttpJsonSource.Create(new HttpSourceOptions
        {
            Url = $"{api.Url}/{path}",
            RecordsPath = "items",
            Call = new HttpCallSettings { RetryAttempts = 1, Timeout = TestCalls.Timeout, Breakers = breakers, BreakerScope = tenant },
        });
        await using var engine = await EngineRun.StartAsync();

        for (var run = 0; run < 2; run++)
            await engine.RunAsync(Source("mallory", "broken"), new CollectingTarget(), linkId: "mallory-link");
        var (victim, _) = await engine.RunAsync(Source("acme", "contacts"), new CollectingTarget(), linkId: "acme-link");

        victim.Status.ShouldBe(RunStatus.Succeeded);
        breakers.States.Select(state => (state.Tenant, state.State)).ShouldBe([("acme", "closed"), ("mallory", "open")]);
    }

    [Fact]
    public async Task LinkFromTheApi_CallsUnderTheTenantTheServerGaveIt_NotTheFilesOwn()
    {
        await using var api = await FakeApi.StartAsync((context, _) => FakeApi.Json(context, new { items = Contacts.Range(1, 2) }));
        var breakers = new ConnectionBreakers(new ManualTimeProvider());
        var yaml = $"name: l\ntenant: globex\nsource: {{ type: http, url: '{api.Url}/contacts', recordsPath: items }}\ntarget: {{ type: jsonl, path: out.jsonl }}\n";
        var link = new Resync.LinkFiles.LinkFileLoader(BuiltInConnectors.CreateCatalog(breakers: breakers), _ => null, new TenantTrust("acme"))
            .Parse(yaml, "l.yaml", Directory.CreateTempSubdirectory("resync-breaker-").FullName).Link.ShouldNotBeNull();
        await using var engine = await EngineRun.StartAsync();

        await engine.RunAsync(link.Source, new CollectingTarget());

        breakers.States.ShouldHaveSingleItem().Tenant.ShouldBe("acme");
    }

    private sealed class TenantTrust(string tenant) : Resync.Core.Sdk.ILinkTrust
    {
        public string? Tenant => tenant;

        public string ResolvePath(string value, string baseDirectory) => Resync.Core.Sdk.FullTrust.Instance.ResolvePath(value, baseDirectory);

        public void CheckBeforeOpen(string fullPath)
        {
        }

        public string? RefuseType(string section, string type) => null;
    }

    [Fact]
    public async Task RefusedRecordsAndBadAnswers_DoNotOpenTheBreaker()
    {
        await using var api = await FakeApi.StartAsync((context, _) => FakeApi.Json(context, new { message = "unknown filter" }, 400));
        var breakers = new ConnectionBreakers(new ManualTimeProvider(), new ConnectionBreakerOptions { MinimumCalls = 2 });
        var source = HttpJsonSource.Create(new HttpSourceOptions
        {
            Url = $"{api.Url}/contacts",
            Call = new HttpCallSettings { RetryAttempts = 1, Timeout = TestCalls.Timeout, Breakers = breakers },
        });
        await using var engine = await EngineRun.StartAsync();

        for (var run = 0; run < 3; run++)
            await engine.RunAsync(source, new CollectingTarget());

        breakers.States.ShouldHaveSingleItem().State.ShouldBe("closed");
    }

    [Theory]
    [InlineData(0.0, 5, "failure ratio")]
    [InlineData(0.5, 1, "minimum calls")]
    public void Options_OutOfRange_AreRefused(double ratio, int minimumCalls, string expected) =>
        Should.Throw<ArgumentException>(() => new ConnectionBreakers(TimeProvider.System, new ConnectionBreakerOptions { FailureRatio = ratio, MinimumCalls = minimumCalls }))
            .Message.ShouldContain(expected);
}
