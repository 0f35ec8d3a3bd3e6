using Resync.Testing.Otlp;

namespace Resync.Server.Tests.Observability;

/// <summary>OTLP export (http/protobuf, and gRPC) to a receiver on loopback: a push's run and batch spans in the push's trace, and its log events.</summary>
[Collection(ObservedRun.Collection)]
public sealed class OtlpExportTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    [Fact]
    public async Task Push_RunAndBatchSpansAndLogEvents_ReachTheCollector_InThePushsTraceWithItsRequestId()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var server = await ServerHarness.StartAsync(host: ObservedRun.With(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.Url), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"), ("OTEL_SERVICE_NAME", "resync-test")));
        try
        {
            await server.PutLinkAsync(server.AcmeKey, "traced-push", ServerHarness.CollectPushLink.Replace("collect-push", "traced-push", StringComparison.Ordinal));
            server.Target.Refuse(record => record.Key == "c3",
                new Core.Errors.ErrorClassification(Core.Errors.ErrorType.Data, Core.Errors.Durability.Durable, Core.Errors.ErrorCodes.Required, "refused", "Fix it.", ["email"]));
            using var client = server.Client(server.AcmeKey);
            using var push = new HttpRequestMessage(HttpMethod.Post, "/api/v1/links/traced-push/push")
            {
                Content = ServerHarness.Json(ServerHarness.Contacts(25)),
            };
            push.Headers.Add("X-Request-Id", "req-traced-1");
            push.Headers.Add("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01");
            using var answer = await client.SendAsync(push);
            answer.IsSuccessStatusCode.ShouldBeTrue(await answer.Content.ReadAsStringAsync());
            await ServerHarness.EventuallyAsync(() => Task.FromResult(receiver.Spans.Any(s => s.Name == "resync.run" && s.TraceId == TraceId)
                && receiver.Logs.Any(l => l.Attributes.GetValueOrDefault("RequestId") == "req-traced-1" && l.Body.Contains("ended", StringComparison.Ordinal))),
                "the run's span and its end event at the collector");
        }
        finally
        {
            await server.DisposeAsync(); // flushes what is still batched
        }

        var run = receiver.Spans.Single(s => s.Name == "resync.run" && s.TraceId == TraceId);
        (run.Attributes["resync.link"], run.Attributes["resync.tenant"], run.Attributes["resync.request_id"]).ShouldBe(("traced-push", "acme", "req-traced-1"));
        run.ParentSpanId.ShouldNotBeEmpty(); // the push request's span
        var batches = receiver.Spans.Where(s => s.Name == "resync.batch" && s.ParentSpanId == run.SpanId).ToList();
        batches.Select(b => b.Attributes["resync.batch.number"]).Order().ShouldBe(["1", "2", "3"]);
        batches.ShouldAllBe(b => b.TraceId == TraceId && b.StatusCode != 2); // record errors do not fail a batch

        var events = receiver.Logs.Where(l => l.TraceId == TraceId).ToList();
        events.ShouldContain(l => l.Attributes.GetValueOrDefault("RequestId") == "req-traced-1" && l.Attributes.ContainsKey("RunId")
            && l.Attributes.GetValueOrDefault("ErrorCode") == Core.Errors.ErrorCodes.Required); // RecordFailed
        events.ShouldContain(l => l.Attributes.GetValueOrDefault("Status") == "CompletedWithErrors" && l.Attributes.GetValueOrDefault("RequestId") == "req-traced-1");
    }

    [Fact]
    public async Task OtlpOverGrpc_RunSpansAndLogEvents_ReachTheCollector()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        var server = await ServerHarness.StartAsync(host: ObservedRun.With(("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.Url), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")));
        try
        {
            await server.PutLinkAsync(server.AcmeKey, "traced-grpc", ServerHarness.CollectPushLink.Replace("collect-push", "traced-grpc", StringComparison.Ordinal));
            using var client = server.Client(server.AcmeKey);
            using var push = new HttpRequestMessage(HttpMethod.Post, "/api/v1/links/traced-grpc/push")
            {
                Content = ServerHarness.Json(ServerHarness.Contacts(5)),
            };
            push.Headers.Add("X-Request-Id", "req-grpc-1");
            using var answer = await client.SendAsync(push);
            answer.IsSuccessStatusCode.ShouldBeTrue(await answer.Content.ReadAsStringAsync());
            await ServerHarness.EventuallyAsync(() => Task.FromResult(
                receiver.Spans.Any(s => s.Name == "resync.run" && s.Attributes.GetValueOrDefault("resync.request_id") == "req-grpc-1")
                && receiver.Logs.Any(l => l.Attributes.GetValueOrDefault("RequestId") == "req-grpc-1" && l.Attributes.GetValueOrDefault("Status") == "Succeeded")),
                "the run's span and its end event at the gRPC collector");
        }
        finally
        {
            await server.DisposeAsync();
        }

        receiver.GrpcRequests.ShouldBeGreaterThan(0);
        var run = receiver.Spans.Single(s => s.Name == "resync.run" && s.Attributes.GetValueOrDefault("resync.request_id") == "req-grpc-1");
        run.Attributes["resync.link"].ShouldBe("traced-grpc");
        receiver.Spans.ShouldContain(s => s.Name == "resync.batch" && s.ParentSpanId == run.SpanId && s.TraceId == run.TraceId);
    }

    [Fact]
    public async Task FailedBatch_HasAnErrorStatus()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var webhooks = await Alerts.WebhookReceiver.StartAsync();
        var server = await ServerHarness.StartAsync(host: ObservedRun.With(("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.Url), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")));
        long runId;
        try
        {
            runId = await ObservedRun.RunAsync(server, webhooks);
        }
        finally
        {
            await server.DisposeAsync();
        }

        var run = receiver.Spans.Single(s => s.Name == "resync.run" && s.Attributes.GetValueOrDefault("resync.run.id") == runId.ToString(System.Globalization.CultureInfo.InvariantCulture)
            && s.Attributes.GetValueOrDefault("resync.link") == ObservedRun.LinkId);
        run.StatusCode.ShouldBe(2); // Error: the run failed
        receiver.Spans.Where(s => s.Name == "resync.batch" && s.ParentSpanId == run.SpanId).Select(s => (s.Attributes["resync.batch.number"], s.StatusCode)).Order()
            .ShouldBe([("1", 0), ("2", 2), ("3", 2)]);
    }
}
