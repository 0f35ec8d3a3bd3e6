using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Resync.Core.Links;
using Resync.Core.Recovery;
using Resync.Core.Storage;
using Resync.Server.Api;
using Resync.Server.Composite;
using Resync.Server.Links;
using Resync.Server.Runs;

namespace Resync.Server.Recovery;

/// <summary>
/// Retry Failures of a run (all of them, or one error group) and a link's replay settings. Every action goes through
/// the core <see cref="LinkRunner"/> (the one replay interface of the API, the CLI and the dashboard) via the
/// <see cref="RunLauncher"/>, so a retry never overlaps another run of its link and ends Interrupted on shutdown.
/// </summary>
internal static class RecoveryEndpoints
{
    public static RouteGroupBuilder MapRecovery(this RouteGroupBuilder api)
    {
        api.MapPost("/runs/{runId:long}/retry", RetryFailuresAsync).WithTags("Recovery").WithName("RetryFailures")
            .Produces<RecoveryStarted>(202).ProducesProblem(409);
        api.MapPost("/runs/{runId:long}/error-groups/retry", RetryErrorGroupAsync).WithTags("Recovery").WithName("RetryErrorGroup")
            .Produces<RecoveryStarted>(202).ProducesProblem(400).ProducesProblem(409);
        api.MapPatch("/runs/{runId:long}/records/{batch:int}/{position:int}", EditFailedRecordAsync).WithTags("Recovery").WithName("EditFailedRecord")
            .ProducesProblem(400).ProducesProblem(409);
        api.MapGet("/links/{linkId}/replay-settings", GetReplaySettings).WithTags("Recovery").WithName("GetReplaySettings");
        api.MapPut("/links/{linkId}/replay-settings", PutReplaySettingsAsync).WithTags("Recovery").WithName("PutReplaySettings").ProducesProblem(400);
        api.MapDelete("/links/{linkId}/replay-settings", DeleteReplaySettingsAsync).WithTags("Recovery").WithName("DeleteReplaySettings");
        return api.MapIncompleteRuns();
    }

    private static async Task<IResult> RetryFailuresAsync(HttpContext http, IRunQueries queries, IRecoveryStore recovery, LinkRegistry registry, RunLauncher launcher,
        IdempotencyGate idempotency, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, long runId) =>
        await RetryAsync(http, queries, recovery, registry, launcher, idempotency, json.Value.SerializerOptions, runId, group: null, selection: false);

    private static async Task<IResult> RetryErrorGroupAsync(HttpContext http, IRunQueries queries, IRecoveryStore recovery, LinkRegistry registry, RunLauncher launcher,
        IdempotencyGate idempotency, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, long runId) =>
        await RetryAsync(http, queries, recovery, registry, launcher, idempotency, json.Value.SerializerOptions, runId, group: null, selection: true);

    /// <summary>
    /// Changes the values of one failed record of a run (a JSON merge patch: a field set to null is removed); the run's next Retry
    /// Failures writes them, and the run's history says so.
    /// </summary>
    private static async Task<Results<Ok<EditedRecordDocument>, ProblemHttpResult>> EditFailedRecordAsync(HttpContext http, IRunQueries queries, IRecoveryStore recovery,
        RunLauncher launcher, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, long runId, int batch, int position)
    {
        if (await RunEndpoints.VisibleRunAsync(http, queries, runId) is null)
            return Problems.NotFound("run", Id(runId));
        var (body, problem) = await JsonBody.ReadFieldsAsync(http.Request, json.Value.SerializerOptions, "Send the fields to change as a JSON object (field: value, null removes it)");
        if (problem is not null)
            return problem;
        var record = (await queries.ListRecordsAsync(runId, new RecordFilter(null, 0, 100_000, batch), http.RequestAborted)).FirstOrDefault(r => r.Position == position);
        if (record is null)
            return Problems.NotFound("record", $"{batch}/{position} of run {runId}");
        var stored = (await recovery.GetRecordEditsAsync(runId, http.RequestAborted)).GetValueOrDefault((batch, position)) ?? record.BeforeJson;
        if (stored is null && record.Outcome == Core.Records.OutcomeKind.Failed)
            return Problems.Conflict("no-snapshot", $"The record at batch {batch}, position {position} of run {runId} has no snapshot to edit (logging level None).");
        var fields = stored is null ? [] : Core.Records.RecordJson.ToFields(stored);
        foreach (var property in body.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
                fields.Remove(property.Name);
            else
                fields[property.Name] = Core.Records.RecordJson.ToValue(property.Value);
        }
        try
        {
            await launcher.Runner.EditFailedRecordAsync(runId, batch, position, fields, http.RequestAborted);
        }
        catch (InvalidOperationException exception)
        {
            return Problems.Conflict("record-not-failed", exception.Message);
        }
        return TypedResults.Ok(EditedRecordDocument.From(record, fields));
    }

    private static async Task<IResult> RetryAsync(HttpContext http, IRunQueries queries, IRecoveryStore recovery, LinkRegistry registry, RunLauncher launcher,
        IdempotencyGate idempotency, JsonSerializerOptions json, long runId, ErrorGroupKey? group, bool selection)
    {
        if (await RunEndpoints.VisibleRunAsync(http, queries, runId) is not { } run)
            return Problems.NotFound("run", Id(runId));
        if (selection)
        {
            var (chosen, problem) = await JsonBody.ReadAsync<ErrorGroupSelection>(http.Request, json);
            if (problem is not null)
                return problem;
            var (key, unknown) = await GroupAsync(queries, runId, chosen!, http.RequestAborted);
            if (unknown is not null)
                return unknown;
            group = key;
        }
        if (run.LinkId == CompositeRun.LinkId)
            return Problems.Conflict("composite-call", $"Run {runId} records a composite call, which was answered to its caller: the server does not send its "
                + $"subrequests again on its own. Send the failed ones again; each is kept as sent under /api/v1/runs/{runId}/records?outcome=failed.");
        if (registry.Find(run.LinkId) is not { } entry)
            return LinkUnknown(run.LinkId, $"run {runId}");
        var (link, definition, unusable) = await DefinitionAsync(http, queries, registry, entry, run);
        if (unusable is not null)
            return unusable;
        RecoveryPlan plan;
        try
        {
            plan = await launcher.Runner.PlanRetryAsync(runId, group, http.RequestAborted);
        }
        catch (InvalidOperationException exception)
        {
            return Problems.Conflict("run-in-progress", exception.Message);
        }
        var force = string.Equals(http.Request.Query["force"], "true", StringComparison.OrdinalIgnoreCase);
        if (!force && plan.WaitsAsIncomplete is { } parked)
            return Problems.Conflict("remainder-incomplete", parked);
        if (plan.NothingToRetry is { } why)
            return NothingToRetry(why, plan);
        if (!force && plan.AlreadyResolved is { } resolved)
            return Problems.Conflict("already-resolved", resolved);

        // The group chosen is part of the request an Idempotency-Key stands for.
        var request = group is null ? ReadOnlyMemory<byte>.Empty : JsonSerializer.SerializeToUtf8Bytes(group, json);
        return await idempotency.RunAsync(http, request, async () =>
        {
            ActiveRun? started;
            try
            {
                started = await launcher.TryStartExclusiveAsync(link!,
                    (runner, progress, token) => runner.RetryFailuresAsync(link!, runId, group, progress, force, token), CancellationToken.None);
            }
            catch (NothingToRetryException exception)
            {
                return NothingToRetry(exception.Message, plan);
            }
            catch (AlreadyResolvedException exception)
            {
                return Problems.Conflict("already-resolved", exception.Message);
            }
            if (started is null)
                return Problems.Conflict("run-in-progress", $"A run of link '{entry.Id}' is going; retry once it has ended.");
            return await StartedAsync(http, recovery, started.RunId, runId, "Retry", RetryPlanDocument.From(plan), definition!, json);
        });
    }

    /// <summary>
    /// The link a retry or resume of <paramref name="run"/> runs with: its current definition, or its own with <c>?definition=original</c>
    /// (a problem when that is not an accepted value, or the run's own definition cannot be used).
    /// </summary>
    internal static async Task<(Core.Links.Link? Link, DefinitionChoice? Choice, ProblemHttpResult? Problem)> DefinitionAsync(HttpContext http, IRunQueries queries,
        LinkRegistry registry, LinkEntry entry, RunView run)
    {
        var (original, invalid) = DefinitionAsked(http);
        if (invalid is not null)
            return (null, null, invalid);
        var (link, choice, unusable) = await registry.ForRecoveryAsync(entry, run, original, queries, http.RequestAborted);
        return unusable is null ? (link, choice, null) : (null, null, Problems.Conflict("definition-unavailable", unusable));
    }

    /// <summary>Whether the request asks for the failed run's own definition (<c>?definition=original</c>), or the problem with its value.</summary>
    internal static (bool Original, ProblemHttpResult? Problem) DefinitionAsked(HttpContext http)
    {
        try
        {
            return (DefinitionChoice.IsOriginal(http.Request.Query["definition"].FirstOrDefault()), null);
        }
        catch (ArgumentException exception)
        {
            return (false, Problems.BadRequest("invalid-definition", exception.Message));
        }
    }

    /// <summary>The answer to a recovery just started, the definition it runs with kept in its history.</summary>
    internal static async Task<JsonAnswer> StartedAsync(HttpContext http, IRecoveryStore recovery, long runId, long parentRunId, string kind, RetryPlanDocument? plan,
        DefinitionChoice definition, JsonSerializerOptions json)
    {
        var at = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        await recovery.AddRunEventAsync(new RunEvent(runId, at, RunEventKinds.Definition, definition.Summary), CancellationToken.None);
        var links = RunLinks.For(runId);
        var answer = new RecoveryStarted(runId, parentRunId, kind, "Running", plan, links.Self, links.Events, RunLinks.For(parentRunId).Self,
            DefinitionUsedDocument.From(definition));
        return new JsonAnswer(StatusCodes.Status202Accepted, JsonSerializer.Serialize(answer, json), links.Self);
    }

    private static async Task<(ErrorGroupKey? Key, ProblemHttpResult? Problem)> GroupAsync(IRunQueries queries, long runId, ErrorGroupSelection selection,
        CancellationToken cancellationToken)
    {
        var groups = await queries.ListErrorGroupsAsync(runId, cancellationToken);
        ErrorGroupView? found;
        if (selection.Group is { } number)
        {
            found = ErrorGroupKey.Numbered(groups, number);
            if (found is null)
                return (null, Problems.BadRequest("unknown-error-group", $"Run {runId} has {groups.Count} error group(s); group is 1 to {groups.Count}, as listed by GET /api/v1/runs/{runId}/error-groups."));
        }
        else
        {
            if (selection.Type is null || string.IsNullOrEmpty(selection.Code))
                return (null, Problems.BadRequest("unknown-error-group", "Name the error group: {\"group\": n} (its number in the run's error groups), or its type, code, step and fields as listed there."));
            var fields = selection.Fields ?? [];
            var key = new ErrorGroupKey(selection.Type.Value, selection.Code, selection.Step, fields);
            found = groups.FirstOrDefault(key.Matches);
            if (found is null)
                return (null, Problems.BadRequest("unknown-error-group", $"Run {runId} has no error group {selection.Type} {selection.Code} at step '{selection.Step ?? "-"}' on fields [{string.Join(", ", fields)}]."));
        }
        return (ErrorGroupKey.Of(found), null);
    }

    private static Results<Ok<ReplaySettingsDocument>, ProblemHttpResult> GetReplaySettings(HttpContext http, LinkRegistry registry, string linkId) =>
        LinkEndpoints.Visible(http, registry, linkId) is { } entry ? TypedResults.Ok(ReplayDocument(entry)) : Problems.NotFound("link", linkId);

    /// <summary>
    /// Changes a link's automated replay. Stored as an override that wins over the link document (file or API) until it is
    /// removed with DELETE, so a link from the links folder can be changed here too without its file being rewritten.
    /// </summary>
    private static async Task<Results<Ok<ReplaySettingsDocument>, ProblemHttpResult>> PutReplaySettingsAsync(HttpContext http, LinkRegistry registry,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, string linkId)
    {
        if (LinkEndpoints.Visible(http, registry, linkId) is not { } entry)
            return Problems.NotFound("link", linkId);
        var (change, problem) = await JsonBody.ReadAsync<ReplaySettingsChange>(http.Request, json.Value.SerializerOptions);
        if (problem is not null)
            return problem;
        var enabled = change!.AutomatedReplay ?? entry.Link.Settings.AutomatedReplay;
        var attempts = change.MaxAttempts ?? entry.Link.Settings.ReplayMaxAttempts;
        if (attempts is < 1 or > LinkSettings.ReplayMaxAttemptsLimit)
            return Problems.BadRequest("invalid-replay-settings", $"maxAttempts must be between 1 and {LinkSettings.ReplayMaxAttemptsLimit}, found {attempts}.");
        var updated = await registry.SetReplayOverrideAsync(entry, enabled, attempts, http.RequestAborted);
        return TypedResults.Ok(ReplayDocument(updated));
    }

    private static async Task<Results<Ok<ReplaySettingsDocument>, ProblemHttpResult>> DeleteReplaySettingsAsync(HttpContext http, LinkRegistry registry, string linkId)
    {
        if (LinkEndpoints.Visible(http, registry, linkId) is not { } entry)
            return Problems.NotFound("link", linkId);
        var updated = await registry.SetReplayOverrideAsync(entry, null, null, http.RequestAborted);
        return TypedResults.Ok(ReplayDocument(updated));
    }

    private static ReplaySettingsDocument ReplayDocument(LinkEntry entry)
    {
        var settings = entry.Link.Settings;
        var document = entry.DocumentSettings;
        return new ReplaySettingsDocument(settings.AutomatedReplay, settings.ReplayMaxAttempts, !ReferenceEquals(settings, document),
            new ReplaySettings(document.AutomatedReplay, document.ReplayMaxAttempts));
    }

    internal static ProblemHttpResult LinkUnknown(string linkId, string what) => Problems.Conflict("link-unknown",
        $"The link of {what}, '{linkId}', is not loaded on this server (its file or API document is gone); restore the link to retry.");

    private static ProblemHttpResult NothingToRetry(string detail, RecoveryPlan plan) => Problems.Of(StatusCodes.Status409Conflict, "nothing-to-retry",
        "Nothing to retry", detail, new Dictionary<string, object?>
        {
            ["failedBatches"] = plan.FailedBatches.Count,
            ["retriableRecords"] = plan.Records,
            ["notRetriable"] = plan.NotRetriable,
        });

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
