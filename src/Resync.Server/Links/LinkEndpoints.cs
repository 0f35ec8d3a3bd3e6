using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Resync.Connectors.Push;
using Resync.Core.Engine;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Observability;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Server.Api;
using Resync.Server.Auth;
using Resync.Server.Runs;
using Resync.Server.Scheduling;
using Microsoft.Extensions.Options;

namespace Resync.Server.Links;

/// <summary><c>/api/v1/links</c>: list, get, create/update from a link document, activate/deactivate, start a run.</summary>
internal static class LinkEndpoints
{
    public static RouteGroupBuilder MapLinks(this RouteGroupBuilder api) => api.MapResource("/links", "Links", links =>
    {
        links.MapGet("/", ListAsync).WithName("ListLinks");
        links.MapGet("/{linkId}", GetAsync).WithName("GetLink");
        links.MapPut("/{linkId}", PutAsync).WithName("PutLink");
        links.MapPost("/{linkId}/activate", ActivateAsync).WithName("ActivateLink");
        links.MapPost("/{linkId}/deactivate", DeactivateAsync).WithName("DeactivateLink");
        links.MapPost("/{linkId}/runs", StartRunAsync).WithName("StartRun");
    });

    public static LinkEntry? Visible(HttpContext http, LinkRegistry registry, string linkId) =>
        registry.Find(linkId) is { } entry && http.Caller().Sees(entry.Tenant) ? entry : null;

    private static async Task<Results<Ok<Page<LinkDocument>>, ProblemHttpResult>> ListAsync(HttpContext http, LinkRegistry registry, IRecoveryStore recovery, RunLauncher launcher,
        [AsParameters] Paging paging)
    {
        if (paging.Check(100, out var start, out var count) is { } bad)
            return bad;
        var caller = http.Caller();
        var page = registry.All.Where(entry => caller.Sees(entry.Tenant)).Skip(start).Take(count).ToList();
        var documents = new List<LinkDocument>(page.Count);
        foreach (var entry in page)
            documents.Add(await DocumentAsync(entry, recovery, launcher, http.RequestAborted));
        return TypedResults.Ok(Page<LinkDocument>.Of(documents, start, count));
    }

    private static async Task<Results<Ok<LinkDocument>, ProblemHttpResult>> GetAsync(HttpContext http, LinkRegistry registry, IRecoveryStore recovery, RunLauncher launcher,
        string linkId)
    {
        if (Visible(http, registry, linkId) is not { } entry)
            return Problems.NotFound("link", linkId);
        return TypedResults.Ok(await DocumentAsync(entry, recovery, launcher, http.RequestAborted));
    }

    private static async Task<Results<Created<LinkDocument>, Ok<LinkDocument>, ProblemHttpResult>> PutAsync(HttpContext http, LinkRegistry registry,
        IRecoveryStore recovery, RunLauncher launcher, ServerOptions options, string linkId)
    {
        var caller = http.Caller();
        var existing = registry.Find(linkId);
        if (existing is not null && !caller.Sees(existing.Tenant))
            return Problems.NotFound("link", linkId);
        if (existing is { Origin: "file" })
            return Problems.Conflict("link-from-file", $"Link '{linkId}' is defined by a file of the links folder; change the file instead.");
        var type = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (type is not ("application/yaml" or "text/yaml" or "application/x-yaml" or "text/plain"))
            return Problems.UnsupportedMediaType("application/yaml (the link document)", http.Request.ContentType);
        var (body, tooLarge) = await RequestBody.ReadAsync(http.Request, Math.Min(options.MaxBodyBytes, 1024 * 1024));
        if (tooLarge is not null)
            return tooLarge;
        var (entry, problems, created) = await registry.SaveAsync(linkId, Encoding.UTF8.GetString(body.Span), caller.IsOperator ? null : caller.Tenant, http.RequestAborted);
        if (entry is null)
        {
            return Problems.BadRequest("invalid-link", $"The link document has {problems.Count} problem(s): {SecretText.Mask(problems[0].Message)}",
                new Dictionary<string, object?>
                {
                    ["problems"] = problems.Select(p => new { line = p.Line, column = p.Column, message = SecretText.Mask(p.Message), text = SecretText.Mask(p.ToString()) }).ToList(),
                });
        }
        var document = await DocumentAsync(entry, recovery, launcher, http.RequestAborted);
        return created ? TypedResults.Created($"/api/v1/links/{linkId}", document) : TypedResults.Ok(document);
    }

    private static async Task<Results<Ok<LinkDocument>, ProblemHttpResult>> ActivateAsync(HttpContext http, LinkRegistry registry, IRecoveryStore recovery,
        RunLauncher launcher, SchedulerService scheduler, Push.PushLinkStates linkStates, string linkId)
    {
        if (Visible(http, registry, linkId) is not { } entry)
            return Problems.NotFound("link", linkId);
        // A person activates the link: it starts afresh, without the failures in a row or the backoff that deactivated it.
        await linkStates.SetHealthAsync(linkId, entry.Tenant, LinkHealth.Healthy, http.RequestAborted);
        ResyncEvents.LinkReactivated(launcher.Events, linkId, entry.Tenant, "api");
        scheduler.Wake();
        return TypedResults.Ok(await DocumentAsync(entry, recovery, launcher, http.RequestAborted));
    }

    private static async Task<Results<Ok<LinkDocument>, ProblemHttpResult>> DeactivateAsync(HttpContext http, LinkRegistry registry, IRecoveryStore recovery,
        RunLauncher launcher, Push.PushLinkStates linkStates, string linkId)
    {
        if (Visible(http, registry, linkId) is not { } entry)
            return Problems.NotFound("link", linkId);
        string? reason = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            if (!RequestBody.IsJson(http.Request))
                return Problems.UnsupportedMediaType("application/json", http.Request.ContentType);
            var (body, tooLarge) = await RequestBody.ReadAsync(http.Request, 64 * 1024);
            if (tooLarge is not null)
                return tooLarge;
            try
            {
                reason = JsonSerializer.Deserialize<LinkStateChange>(body.Span, JsonSerializerOptions.Web)?.Reason;
            }
            catch (JsonException exception)
            {
                return Problems.BadRequest("malformed-json", $"The body is not valid JSON: {exception.Message}");
            }
        }
        reason ??= "deactivated through the API";
        var health = (await recovery.GetLinkAsync(linkId, http.RequestAborted))?.Health ?? LinkHealth.Healthy;
        await linkStates.SetHealthAsync(linkId, entry.Tenant, health.DeactivatedBy(reason), http.RequestAborted);
        ResyncEvents.LinkDeactivated(launcher.Events, linkId, entry.Tenant, "api", null, reason);
        return TypedResults.Ok(await DocumentAsync(entry, recovery, launcher, http.RequestAborted));
    }

    private static async Task<IResult> StartRunAsync(HttpContext http, LinkRegistry registry, IServerStore store, RunLauncher launcher, IdempotencyGate idempotency,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, string linkId)
    {
        if (Visible(http, registry, linkId) is not { } entry)
            return Problems.NotFound("link", linkId);
        if (entry.Link.Source is PushSource)
            return Problems.Conflict("push-link", $"Link '{linkId}' gets its records by push; send them to /api/v1/links/{linkId}/push.");
        if (!entry.Link.Trigger.Manual)
            return Problems.Conflict("manual-runs-off", $"Link '{linkId}' does not allow manual runs (trigger.manual: false).");
        if (await store.GetLinkStateAsync(linkId, http.RequestAborted) is { IsActive: false } state)
            return Problems.Conflict("link-deactivated", $"Link '{linkId}' is deactivated ({state.Reason ?? "no reason given"}); activate it first.");
        var requestId = http.Request.Headers["X-Request-Id"].FirstOrDefault();
        return await idempotency.RunAsync(http, ReadOnlyMemory<byte>.Empty, async () =>
        {
            var run = await launcher.TryStartExclusiveAsync(entry.Link, new RunRequest(RunKind.Manual, "api", null, requestId), CancellationToken.None);
            if (run is null)
                return Problems.Conflict("run-in-progress", $"A run of link '{linkId}' is still going; wait for it to end.");
            var links = RunLinks.For(run.RunId);
            return new JsonAnswer(StatusCodes.Status202Accepted,
                JsonSerializer.Serialize(new { runId = run.RunId, status = "Running", statusUrl = links.Self, eventsUrl = links.Events }, json.Value.SerializerOptions),
                links.Self);
        });
    }

    private static async Task<LinkDocument> DocumentAsync(LinkEntry entry, IRecoveryStore recovery, RunLauncher launcher, CancellationToken cancellationToken)
    {
        var known = await recovery.GetLinkAsync(entry.Id, cancellationToken);
        var health = known?.Health ?? LinkHealth.Healthy;
        var trigger = entry.Link.Trigger;
        var id = Uri.EscapeDataString(entry.Id);
        return new LinkDocument(entry.Id, entry.Tenant, entry.Origin, health.State.ToString(), health.StateReason, launcher.IsRunning(entry.Id),
            LinkHealthDocument.From(health), known?.Watermark, known?.LastRunId, new LinkTriggerDocument(trigger.Schedule?.ToString(), trigger.Manual, trigger.Push),
            LinkDocuments.Redact(entry.Document), $"/api/v1/runs?linkId={id}", $"/api/v1/incomplete-runs?linkId={id}", $"/api/v1/links/{id}/replay-settings",
            LinkRecoverySettingsDocument.From(entry.Link));
    }
}
