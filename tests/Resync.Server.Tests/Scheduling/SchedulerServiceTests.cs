using Microsoft.Extensions.Logging;

namespace Resync.Server.Tests.Scheduling;

public sealed class SchedulerServiceTests
{
    private const string Scheduled = """
        name: every-minute
        source: { type: demo, records: 20, failingPage: 0 }
        target: { type: collect }
        trigger: { interval: 1m }
        settings: { batchSize: 10, parallelism: 1 }
        """;

    [Fact]
    public async Task ScheduledLink_RunsOnTime_UnderAFakeClock_AndAnOverlappingTickStartsNoSecondRun()
    {
        var clock = new ManualTimeProvider();
        await using var server = await ServerHarness.StartAsync(clock);
        var writes = HeldBatches.From(server.Target, fromBatch: 1);
        await server.PutLinkAsync(server.OperatorKey, "every-minute", Scheduled);
        using var client = server.Client(server.OperatorKey);
        await ServerHarness.EventuallyAsync(() => Task.FromResult(clock.PendingTimers > 0), "the scheduler's timer");
        (await RunsAsync(client)).ShouldBeEmpty();

        clock.Advance(TimeSpan.FromSeconds(59));
        (await RunsAsync(client)).ShouldBeEmpty(); // not before its time

        clock.Advance(TimeSpan.FromSeconds(1));
        await ServerHarness.EventuallyAsync(async () => (await RunsAsync(client)).Count == 1, "the first scheduled run");
        var first = (await RunsAsync(client))[0]!;
        first["kind"]!.GetValue<string>().ShouldBe("Scheduled");
        first["startedAt"]!.GetValue<DateTimeOffset>().ShouldBe(ManualTimeProvider.DefaultStart.AddMinutes(1));

        // The run is held at its first write; the next tick comes and finds it going.
        await ServerHarness.EventuallyAsync(() => Task.FromResult(clock.PendingTimers > 0), "the scheduler's next timer");
        clock.Advance(TimeSpan.FromMinutes(1));
        await ServerHarness.EventuallyAsync(() => Task.FromResult(clock.PendingTimers > 0), "the scheduler's timer after the skipped tick");
        (await RunsAsync(client)).Count.ShouldBe(1);

        writes.Release();
        await ServerHarness.EventuallyAsync(async () => (await RunsAsync(client))[0]!["status"]!.GetValue<string>() == "Succeeded", "the first run's end");
        await ServerHarness.EventuallyAsync(() => Task.FromResult(server.Logs.Lines.Any(line => line.Level == LogLevel.Information
            && line.Message.StartsWith($"Run {first["id"]} of link every-minute (tenant ", StringComparison.Ordinal) && line.Message.Contains("ended Succeeded", StringComparison.Ordinal))),
            "the scheduled run's end in the log");
        await ServerHarness.EventuallyAsync(async () =>
        {
            using var link = await client.GetAsync("/api/v1/links/every-minute");
            return !(await ServerHarness.JsonAsync(link))["running"]!.GetValue<bool>();
        }, "the link to be free");
        clock.Advance(TimeSpan.FromMinutes(1));
        await ServerHarness.EventuallyAsync(async () => (await RunsAsync(client)).Count == 2, "the next scheduled run");
    }

    [Fact]
    public async Task GracefulShutdown_LeavesNoRunRunning()
    {
        await using var server = await ServerHarness.StartAsync(configure: options => options.ShutdownTimeout = Patience.Limit);
        var writing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.App.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        server.Target.BeforeWrite = async (_, _) =>
        {
            // Every write waits for the server to begin stopping: the run is certainly going when it stops.
            writing.TrySetResult();
            await stopping.Task;
        };
        await server.PutLinkAsync(server.OperatorKey, "long", ServerHarness.DemoLink("long", records: 5000));
        using var client = server.Client(server.OperatorKey);
        var runId = (await ServerHarness.StartRunAsync(client, "long"))["runId"]!.GetValue<long>();
        await writing.Task.WaitAsync(Patience.Limit);

        await server.StopAsync();

        var store = new Resync.Storage.Sqlite.SqliteRunStore(server.Options.DatabasePath);
        await store.InitializeAsync(default);
        var run = await store.GetRunAsync(runId, default);
        await store.DisposeAsync();
        run!.Status.ShouldBe(Resync.Core.Runs.RunStatus.Interrupted);
        run.Counts.Read.ShouldBeLessThan(5000);
        run.Counts.IsBalanced.ShouldBeTrue();
    }

    private static async Task<JsonArray> RunsAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/v1/runs");
        return (await ServerHarness.JsonAsync(response))["items"]!.AsArray();
    }
}
