using Microsoft.Extensions.Logging;
using Resync.Connectors.Network;
using Resync.Server.Observability;

namespace Resync.Server.Tests.Observability;

/// <summary>The HTTP intake sink: Datadog-shaped batches, nothing lost within its buffer while the intake is down, the rest counted.</summary>
[Collection(ObservedRun.Collection)]
public sealed class HttpIntakeLogSinkTests
{
    [Fact]
    public async Task IntakeDownForAWhile_LosesNothingWithinTheBuffer_AndCountsWhatItDroppedBeyondIt()
    {
        await using var receiver = await IntakeReceiver.StartAsync();
        receiver.Down = true;
        var options = new HttpIntakeSinkOptions { Url = new Uri(receiver.Url), ApiKey = "dd-key", BufferSize = 100, RetryDelay = TimeSpan.FromMilliseconds(20) };
        var sink = new HttpIntakeLogSink(options, OutboundNetworkPolicy.Unrestricted.CreateHandler(), TimeProvider.System);
        long dropped;
        try
        {
            var logger = sink.CreateLogger("Resync.Test");
            logger.LogWarning(new EventId(7, "First"), "event {Number}", 0);
            await receiver.Refused.WaitAsync(Patience.Limit); // the first batch is being posted again and again
            for (var number = 1; number < 1000; number++)
                logger.LogWarning(new EventId(7, "Next"), "event {Number}", number);
            receiver.Down = false;
        }
        finally
        {
            sink.Dispose(); // posts what is buffered
            dropped = sink.Dropped;
        }

        dropped.ShouldBeGreaterThan(0);
        (receiver.Events.Count + dropped).ShouldBe(1000);
        // Within the bound nothing is lost: the batch held while the intake was down, and the first events after it, all arrive.
        var numbers = receiver.Events.Select(e => e["resync"]!["Number"]!.GetValue<int>()).ToList();
        numbers.ShouldBe(numbers.Order().ToList());
        numbers.ShouldContain(0);
        numbers.Count.ShouldBeGreaterThanOrEqualTo(options.BufferSize);
        numbers.Skip(1).Take(options.BufferSize).ShouldBe(Enumerable.Range(1, options.BufferSize));
    }

    [Fact]
    public async Task Event_IsPostedInTheDatadogShape_WithTheApiKey()
    {
        await using var receiver = await IntakeReceiver.StartAsync();
        var sink = new HttpIntakeLogSink(new HttpIntakeSinkOptions { Url = new Uri(receiver.Url), ApiKey = "dd-key", Service = "resync-eu" },
            OutboundNetworkPolicy.Unrestricted.CreateHandler(), TimeProvider.System);
        try
        {
            sink.CreateLogger("Resync.Test").LogError(new EventId(1003, "BatchFailed"), "Batch {BatchNumber} failed", 2);
        }
        finally
        {
            sink.Dispose();
        }

        var e = receiver.Events.ShouldHaveSingleItem();
        (e["ddsource"]!.GetValue<string>(), e["service"]!.GetValue<string>(), e["status"]!.GetValue<string>(), e["message"]!.GetValue<string>())
            .ShouldBe(("resync", "resync-eu", "error", "Batch 2 failed"));
        (e["evt.id"]!.GetValue<int>(), e["evt.name"]!.GetValue<string>(), e["resync"]!["BatchNumber"]!.GetValue<int>()).ShouldBe((1003, "BatchFailed", 2));
        receiver.LastApiKey.ShouldBe("dd-key");
    }

    [Fact]
    public async Task IntakeOnLoopback_WithoutLoopbackAllowed_IsRefusedByTheNetworkPolicy_AndCounted()
    {
        await using var receiver = await IntakeReceiver.StartAsync();
        var sink = new HttpIntakeLogSink(new HttpIntakeSinkOptions { Url = new Uri(receiver.Url), RetryDelay = TimeSpan.FromMilliseconds(10) },
            OutboundNetworkPolicy.PublicOnly.CreateHandler(), TimeProvider.System);
        try
        {
            sink.CreateLogger("Resync.Test").LogWarning("one event");
            await ServerHarness.EventuallyAsync(() => Task.FromResult(sink.FailedAttempts > 0), "a refused attempt");
        }
        finally
        {
            sink.Dispose();
        }
        receiver.Events.ShouldBeEmpty();
        sink.Dropped.ShouldBe(1);
    }

    [Fact]
    public async Task ServerWithAnIntakeThatIsDown_ReportsTheDropsInHealthAndMetrics()
    {
        await using var receiver = await IntakeReceiver.StartAsync();
        receiver.Down = true;
        await using var server = await ServerHarness.StartAsync(host: ObservedRun.With(("Logging:Intake:Url", receiver.Url), ("Logging:Intake:BufferSize", "1"),
            ("Logging:Intake:RetryDelayMs", "60000")));
        using var client = server.Client(server.OperatorKey);
        await receiver.Refused.WaitAsync(Patience.Limit);
        // The first batch waits for the intake; the buffer holds one more; the rest of the run's events are dropped.
        await server.PutLinkAsync(server.AcmeKey, "noisy", """
            name: noisy
            source: { type: demo, records: 30, failingPage: 2 }
            target: { type: collect }
            settings: { batchSize: 10, parallelism: 1, retry: { attempts: 1 } }
            """);
        await server.RunToEndAsync(server.AcmeKey, "noisy");

        var health = await ServerHarness.JsonAsync(await client.GetAsync("/health/ready"));
        health["status"]!.GetValue<string>().ShouldBe("Degraded");
        health["checks"]!["log-sinks"]!["data"]!["intake.dropped"]!.GetValue<long>().ShouldBeGreaterThan(0);
        var metrics = PrometheusText.Parse(await (await client.GetAsync("/metrics")).Content.ReadAsStringAsync());
        metrics.Sum("resync_log_events_dropped_total", ("sink", "intake")).ShouldBeGreaterThan(0);
    }
}
