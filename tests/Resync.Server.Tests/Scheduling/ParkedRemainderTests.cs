namespace Resync.Server.Tests.Scheduling;

/// <summary>The scheduler retries a parked remainder at its <c>nextAttemptAt</c>, whoever parked it (a push here).</summary>
public sealed class ParkedRemainderTests
{
    [Fact]
    public async Task ParkedPushRemainder_IsRetriedAtItsNextAttemptAt_WithoutAnyOtherEvent_NamingTheDefinitionItRanWith()
    {
        // Regression: a push takes no run gate, so its parked remainder did not wake the scheduler; nothing ran until a link changed.
        var clock = new ManualTimeProvider();
        await using var server = await ServerHarness.StartAsync(clock);
        await server.PutLinkAsync(server.AcmeKey, "collect-push", ServerHarness.CollectPushLink);
        server.Target.ThrowOnBatch(2, ServerHarness.TargetDown());
        using var client = server.Client(server.AcmeKey);
        await ServerHarness.EventuallyAsync(() => Task.FromResult(clock.PendingTimers == 0), "the scheduler to have nothing to wait for");

        using var pushed = await client.PostAsync("/api/v1/links/collect-push/push", ServerHarness.Json(ServerHarness.Contacts(40)));
        pushed.StatusCode.ShouldBe(HttpStatusCode.OK);
        var parked = (await ServerHarness.JsonAsync(await client.GetAsync("/api/v1/incomplete-runs?linkId=collect-push")))["items"]!.AsArray().Single()!;
        parked["nextAttemptAt"]!.GetValue<DateTimeOffset>().ShouldBe(clock.GetUtcNow().AddMinutes(1));
        server.Target.Fix();

        // The scheduler waits for the remainder's attempt (a timer on the clock), and retries it when the clock gets there.
        await ServerHarness.EventuallyAsync(() => Task.FromResult(clock.PendingTimers > 0), "the scheduler to wait for the remainder's attempt");
        server.Target.Written.Count.ShouldBe(10);
        clock.Advance(TimeSpan.FromMinutes(1));

        await ServerHarness.EventuallyAsync(() => Task.FromResult(server.Target.Written.Count >= 40), "the remainder to be retried");
        server.Target.Written.Select(record => (string)record["id"]!).Order(StringComparer.Ordinal)
            .ShouldBe(Enumerable.Range(0, 40).Select(i => $"c{i}").Order(StringComparer.Ordinal));

        // Like a person's retry, the automatic resume says which definition of the link it ran with.
        JsonNode? resolved = null;
        await ServerHarness.EventuallyAsync(async () =>
        {
            resolved = (await ServerHarness.JsonAsync(await client.GetAsync($"/api/v1/incomplete-runs/{parked["id"]}")))["incompleteRun"];
            return resolved?["resolvedByRunId"] is not null;
        }, "the remainder to be resolved");
        var resume = await Recovery.RecoveryApiTests.FinishedAsync(client, resolved!["resolvedByRunId"]!.GetValue<long>());
        resume["history"]!.AsArray().ShouldContain(e => e!["kind"]!.GetValue<string>() == "definition"
            && e["message"]!.GetValue<string>().StartsWith($"Definition: the link's current one (version {resume["linkVersion"]}", StringComparison.Ordinal));
    }
}
