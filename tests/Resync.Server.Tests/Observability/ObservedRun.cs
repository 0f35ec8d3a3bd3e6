using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Resync.Core.Errors;
using Resync.Server.Tests.Alerts;

namespace Resync.Server.Tests.Observability;

/// <summary>
/// A run that writes every kind of run event: 30 demo contacts in batches of 10, one at a time; the target refuses two
/// records of batch 1 (record errors, their e-mail addresses in the message), page 2 is not JSON (a batch error), and the
/// target refuses the credentials at batch 3 (a durable system error: the run fails and a run-failed alert is delivered).
/// </summary>
internal static class ObservedRun
{
    public const string LinkId = "observed";
    public const string RequestId = "req-observed-1";

    /// <summary>
    /// The classes running this link share one xUnit collection, so they never run at once: run spans come from one
    /// process-wide activity source, so a server exporting spans also exports another server's run in the same test process,
    /// with the same link id and the same first run id.
    /// </summary>
    public const string Collection = "Observed runs";

    /// <summary>Configuration for a server under test (added over the harness's), as <c>Key=Value</c> pairs.</summary>
    public static Action<WebApplicationBuilder> With(params (string Key, string Value)[] settings) =>
        builder => builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));

    /// <summary>Runs the link on <paramref name="server"/> and waits until the run ended and its alert was delivered; returns the run id.</summary>
    public static async Task<long> RunAsync(ServerHarness server, WebhookReceiver receiver, bool logRecordValues = false)
    {
        server.Target.Refuse(record => record.Key is "c-00002" or "c-00003",
            new ErrorClassification(ErrorType.Data, Durability.Durable, ErrorCodes.Required, "email 'contact2@example.com' is refused", "Fix it.", ["email"]));
        server.Target.ThrowOnBatch(3, new HttpRequestException("The target refused the credentials.", null, HttpStatusCode.Unauthorized));
        await server.PutLinkAsync(server.AcmeKey, LinkId, $$"""
            name: {{LinkId}}
            source: { type: demo, records: 30, failingPage: 2 }
            target: { type: collect }
            settings: { batchSize: 10, parallelism: 1, storeIncompleteRuns: false, retry: { attempts: 1 }, logRecordValues: {{(logRecordValues ? "true" : "false")}} }
            """);
        using var client = server.Client(server.AcmeKey);
        using var route = await client.PostAsJsonAsync("/api/v1/alert-routes", new { name = "ops", url = receiver.Url });
        route.StatusCode.ShouldBe(HttpStatusCode.Created);

        using var start = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/links/{LinkId}/runs");
        start.Headers.Add("X-Request-Id", RequestId);
        using var started = await client.SendAsync(start);
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var runId = (await ServerHarness.JsonAsync(started))["runId"]!.GetValue<long>();
        await ServerHarness.EventuallyAsync(() => Task.FromResult(receiver.Received.Count > 0), "the run-failed alert to be delivered");
        await ServerHarness.EventuallyAsync(async () =>
        {
            using var link = await client.GetAsync($"/api/v1/links/{LinkId}");
            return !(await ServerHarness.JsonAsync(link))["running"]!.GetValue<bool>();
        }, "the run to end");
        return runId;
    }
}
