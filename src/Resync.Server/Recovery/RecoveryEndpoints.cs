using Microsoft.AspNetCore.Http.HttpResults;
using Resync.Core.Storage;
using Resync.Server.Api;
using Resync.Server.Links;
using Resync.Server.Runs;

namespace Resync.Server.Recovery;

/// <summary>
/// Retry Failures, error-group retry, incomplete runs and replay settings. Their routes, tenancy checks and reads are
/// here; the actions answer 501 (problem document) until the recovery runner is part of the server.
/// </summary>
internal static class RecoveryEndpoints
{
    public static RouteGroupBuilder MapRecovery(this RouteGroupBuilder api)
    {
        api.MapPost("/runs/{runId:long}/retry", (HttpContext http, IRunQueries queries, long runId) => WithRunAsync(http, queries, runId, "Retry Failures"))
            .WithTags("Recovery").WithName("RetryFailures");
        api.MapPost("/runs/{runId:long}/error-groups/retry", (HttpContext http, IRunQueries queries, long runId) => WithRunAsync(http, queries, runId, "Retrying an error group"))
            .WithTags("Recovery").WithName("RetryErrorGroup");

        var incomplete = api.MapGroup("/incomplete-runs").WithTags("Incomplete runs");
        incomplete.MapGet("/", () => Problems.NotImplemented("Listing incomplete runs")).WithName("ListIncompleteRuns");
        incomplete.MapPost("/retry", () => Problems.NotImplemented("Retrying incomplete runs in bulk")).WithName("RetryIncompleteRuns");
        incomplete.MapPost("/discard", () => Problems.NotImplemented("Discarding incomplete runs in bulk")).WithName("DiscardIncompleteRuns");
        incomplete.MapGet("/{runId:long}", (HttpContext http, IRunQueries queries, long runId) => WithRunAsync(http, queries, runId, "Showing an incomplete run"))
            .WithName("GetIncompleteRun");
        incomplete.MapPost("/{runId:long}/retry", (HttpContext http, IRunQueries queries, long runId) => WithRunAsync(http, queries, runId, "Retrying an incomplete run"))
            .WithName("RetryIncompleteRun");
        incomplete.MapPost("/{runId:long}/discard", (HttpContext http, IRunQueries queries, long runId) => WithRunAsync(http, queries, runId, "Discarding an incomplete run"))
            .WithName("DiscardIncompleteRun");
        incomplete.MapPut("/{runId:long}/records/{batch:int}/{position:int}",
            (HttpContext http, IRunQueries queries, long runId) => WithRunAsync(http, queries, runId, "Editing a record of an incomplete run"))
            .WithName("EditIncompleteRecord");

        api.MapGet("/links/{linkId}/replay-settings", GetReplaySettings).WithTags("Recovery").WithName("GetReplaySettings");
        api.MapPut("/links/{linkId}/replay-settings", (HttpContext http, LinkRegistry registry, string linkId) =>
            LinkEndpoints.Visible(http, registry, linkId) is null ? Problems.NotFound("link", linkId) : Problems.NotImplemented("Changing replay settings through the API"))
            .WithTags("Recovery").WithName("PutReplaySettings");
        return api;
    }

    private static Results<Ok<ReplaySettings>, ProblemHttpResult> GetReplaySettings(HttpContext http, LinkRegistry registry, string linkId)
    {
        if (LinkEndpoints.Visible(http, registry, linkId) is not { } entry)
            return Problems.NotFound("link", linkId);
        var settings = entry.Link.Settings;
        return TypedResults.Ok(new ReplaySettings(settings.AutomatedReplay, settings.ReplayMaxAttempts));
    }

    private static async Task<ProblemHttpResult> WithRunAsync(HttpContext http, IRunQueries queries, long runId, string feature) =>
        await RunEndpoints.VisibleRunAsync(http, queries, runId) is null
            ? Problems.NotFound("run", runId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : Problems.NotImplemented(feature);
}
