using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Resync.Core.Records;
using Resync.Core.Recovery;
using Resync.Core.Storage;
using Resync.Server.Api;
using Resync.Server.Auth;
using Resync.Server.Links;
using Resync.Server.Runs;

namespace Resync.Server.Recovery;

/// <summary>
/// <c>/api/v1/incomplete-runs</c>: the remainders of runs that stopped partway. List, show with records, retry (a Resume
/// run), edit one record's values, discard with a reason; retry and discard in bulk. Ids are the incomplete runs' own
/// (as <c>resync incomplete</c> shows them); each names the run it is the remainder of.
/// </summary>
internal static class IncompleteEndpoints
{
    public static RouteGroupBuilder MapIncompleteRuns(this RouteGroupBuilder api) => api.MapResource("/incomplete-runs", "Incomplete runs", incomplete =>
    {
        incomplete.MapGet("/", ListAsync).WithName("ListIncompleteRuns");
        incomplete.MapPost("/retry", RetryManyAsync).WithName("RetryIncompleteRuns").Produces<BulkAnswer>(202);
        incomplete.MapPost("/discard", DiscardManyAsync).WithName("DiscardIncompleteRuns");
        incomplete.MapGet("/{incompleteId:long}", GetAsync).WithName("GetIncompleteRun");
        incomplete.MapPost("/{incompleteId:long}/retry", RetryAsync).WithName("RetryIncompleteRun").Produces<RecoveryStarted>(202).ProducesProblem(409);
        incomplete.MapPost("/{incompleteId:long}/discard", DiscardAsync).WithName("DiscardIncompleteRun").ProducesProblem(409);
        incomplete.MapPut("/{incompleteId:long}/records/{batch:int}/{position:int}", EditAsync).WithName("EditIncompleteRecord").ProducesProblem(400).ProducesProblem(409);
    });

    private static async Task<IncompleteRunView?> VisibleAsync(HttpContext http, IRecoveryStore recovery, long id)
    {
        var found = await recovery.GetIncompleteAsync(id, http.RequestAborted);
        return found is not null && http.Caller().Sees(found.Tenant) ? found : null;
    }

    private static async Task<Results<Ok<Page<IncompleteRunDocument>>, ProblemHttpResult>> ListAsync(HttpContext http, IRecoveryStore recovery,
        string? linkId, string? status, [AsParameters] Paging paging)
    {
        if (paging.Check(100, out var start, out var count) is { } bad)
            return bad;
        if (ParseStatuses(status, out var statuses) is { } invalid)
            return invalid;
        var found = await recovery.ListIncompleteAsync(new IncompleteFilter(linkId, http.Caller().TenantFilter, statuses, null, start, count), http.RequestAborted);
        return TypedResults.Ok(Page<IncompleteRunDocument>.Of([.. found.Select(IncompleteRunDocument.From)], start, count));
    }

    private static async Task<Results<Ok<IncompleteRunDetail>, ProblemHttpResult>> GetAsync(HttpContext http, IRecoveryStore recovery, IRunQueries queries,
        long incompleteId, [AsParameters] Paging paging)
    {
        if (await VisibleAsync(http, recovery, incompleteId) is not { } item)
            return Problems.NotFound("incomplete run", Id(incompleteId));
        if (paging.Check(100, out var start, out var count) is { } bad)
            return bad;
        return TypedResults.Ok(await IncompleteRunDetail.ReadAsync(recovery, queries, item, start, count, http.RequestAborted));
    }

    private static async Task<IResult> RetryAsync(HttpContext http, IRecoveryStore recovery, IRunQueries queries, LinkRegistry registry, RunLauncher launcher,
        IdempotencyGate idempotency, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, long incompleteId)
    {
        if (await VisibleAsync(http, recovery, incompleteId) is not { } item)
            return Problems.NotFound("incomplete run", Id(incompleteId));
        if (Closed(item) is { } closed)
            return closed;
        if (registry.Find(item.LinkId) is not { } entry)
            return RecoveryEndpoints.LinkUnknown(item.LinkId, $"incomplete run {incompleteId}");
        var run = (await queries.GetRunAsync(item.RunId, http.RequestAborted))!;
        var (link, definition, problem) = await RecoveryEndpoints.DefinitionAsync(http, queries, registry, entry, run);
        if (problem is not null)
            return problem;
        return await idempotency.RunAsync(http, ReadOnlyMemory<byte>.Empty, async () =>
        {
            ActiveRun? started;
            try
            {
                started = await launcher.TryStartExclusiveAsync(link!,
                    (runner, progress, token) => runner.RetryIncompleteAsync(link!, incompleteId, progress, token), CancellationToken.None);
            }
            catch (InvalidOperationException exception)
            {
                return Problems.Conflict("incomplete-closed", exception.Message);
            }
            if (started is null)
                return Problems.Conflict("run-in-progress", $"A run of link '{entry.Id}' is going; retry once it has ended.");
            return await RecoveryEndpoints.StartedAsync(http, recovery, started.RunId, item.RunId, "Resume", null, definition!, json.Value.SerializerOptions);
        });
    }

    private static async Task<Results<Ok<IncompleteRunDocument>, ProblemHttpResult>> DiscardAsync(HttpContext http, IRecoveryStore recovery, RunLauncher launcher,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, long incompleteId)
    {
        if (await VisibleAsync(http, recovery, incompleteId) is not { } item)
            return Problems.NotFound("incomplete run", Id(incompleteId));
        var (body, problem) = await JsonBody.ReadAsync(http.Request, json.Value.SerializerOptions, optional: true, empty: new DiscardRequest(null));
        if (problem is not null)
            return problem;
        if (Closed(item) is { } closed)
            return closed;
        if (launcher.IsRunning(item.LinkId))
            return Problems.Conflict("run-in-progress", $"A run of link '{item.LinkId}' is going (it may be retrying this incomplete run); discard once it has ended.");
        try
        {
            await launcher.Runner.DiscardIncompleteAsync(incompleteId, Reason(body!.Reason), http.RequestAborted);
        }
        catch (InvalidOperationException exception)
        {
            return Problems.Conflict("incomplete-closed", exception.Message);
        }
        return TypedResults.Ok(IncompleteRunDocument.From((await recovery.GetIncompleteAsync(incompleteId, http.RequestAborted))!));
    }

    /// <summary>Replaces the values of one failed record of the incomplete run: its next retry writes these instead of the snapshot.</summary>
    private static async Task<Results<Ok<IncompleteRecordDocument>, ProblemHttpResult>> EditAsync(HttpContext http, IRecoveryStore recovery, IRunQueries queries,
        RunLauncher launcher, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, long incompleteId, int batch, int position)
    {
        if (await VisibleAsync(http, recovery, incompleteId) is not { } item)
            return Problems.NotFound("incomplete run", Id(incompleteId));
        var (body, problem) = await JsonBody.ReadFieldsAsync(http.Request, json.Value.SerializerOptions, "Send the record's values as a JSON object (field: value)");
        if (problem is not null)
            return problem;
        if (Closed(item) is { } closed)
            return closed;
        try
        {
            await launcher.Runner.EditIncompleteRecordAsync(incompleteId, batch, position, RecordJson.ToFields(body), http.RequestAborted);
        }
        catch (KeyNotFoundException)
        {
            return Problems.NotFound("record", $"{batch}/{position} of incomplete run {incompleteId}");
        }
        catch (InvalidOperationException exception)
        {
            return Problems.Conflict("incomplete-closed", exception.Message);
        }
        var edits = await recovery.GetIncompleteEditsAsync(incompleteId, http.RequestAborted);
        var record = (await queries.ListRecordsAsync(item.RunId, new RecordFilter(null, 0, 100_000, batch), http.RequestAborted)).First(r => r.Position == position && r.Outcome is OutcomeKind.Failed or OutcomeKind.Incomplete);
        return TypedResults.Ok(IncompleteRecordDocument.From(incompleteId, record, edits));
    }

    /// <summary>
    /// Retries incomplete runs in bulk: 202 at once; they run one after another per link, each as a Resume run whose history says
    /// which definition of the link it ran with (the current one, or with <c>?definition=original</c> each run's own).
    /// </summary>
    private static async Task<Results<Accepted<BulkAnswer>, ProblemHttpResult>> RetryManyAsync(HttpContext http, IRecoveryStore recovery, IRunQueries queries,
        LinkRegistry registry, RunLauncher launcher, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        var (selection, problem) = await JsonBody.ReadAsync<IncompleteSelection>(http.Request, json.Value.SerializerOptions);
        if (problem is not null)
            return problem;
        var (original, invalidDefinition) = RecoveryEndpoints.DefinitionAsked(http);
        if (invalidDefinition is not null)
            return invalidDefinition;
        var (items, refused, invalid) = await SelectAsync(http, recovery, selection!);
        if (invalid is not null)
            return invalid;
        var work = new List<(Core.Links.Link Link, long Id, string Definition)>();
        foreach (var item in items)
        {
            if (registry.Find(item.LinkId) is not { } entry)
            {
                refused.Add(new BulkRefusal(item.Id, "link-unknown", $"Link '{item.LinkId}' is not loaded on this server."));
                continue;
            }
            var run = (await queries.GetRunAsync(item.RunId, http.RequestAborted))!;
            var (link, definition, unusable) = await registry.ForRecoveryAsync(entry, run, original, queries, http.RequestAborted);
            if (unusable is not null)
                refused.Add(new BulkRefusal(item.Id, "definition-unavailable", unusable));
            else
                work.Add((link!, item.Id, definition!.Summary));
        }
        launcher.RunInTurn([.. work.Select(w => (w.Link,
            (RunLauncher.RunWork)((runner, progress, token) => runner.RetryIncompleteAsync(w.Link, w.Id, progress, token, w.Definition))))]);
        return TypedResults.Accepted("/api/v1/incomplete-runs", new BulkAnswer([.. work.Select(w => w.Id)], refused));
    }

    private static async Task<Results<Ok<BulkAnswer>, ProblemHttpResult>> DiscardManyAsync(HttpContext http, IRecoveryStore recovery, RunLauncher launcher,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        var (selection, problem) = await JsonBody.ReadAsync<IncompleteSelection>(http.Request, json.Value.SerializerOptions);
        if (problem is not null)
            return problem;
        var (items, refused, invalid) = await SelectAsync(http, recovery, selection!);
        if (invalid is not null)
            return invalid;
        var discarded = new List<long>();
        foreach (var item in items)
        {
            if (launcher.IsRunning(item.LinkId))
            {
                refused.Add(new BulkRefusal(item.Id, "run-in-progress", $"A run of link '{item.LinkId}' is going; discard once it has ended."));
                continue;
            }
            try
            {
                await launcher.Runner.DiscardIncompleteAsync(item.Id, Reason(selection!.Reason), http.RequestAborted);
                discarded.Add(item.Id);
            }
            catch (InvalidOperationException exception)
            {
                refused.Add(new BulkRefusal(item.Id, "incomplete-closed", exception.Message));
            }
        }
        return TypedResults.Ok(new BulkAnswer(discarded, refused));
    }

    /// <summary>The open incomplete runs a bulk action names, those it cannot take (another tenant's answer not-found), or a problem.</summary>
    private static async Task<(List<IncompleteRunView> Items, List<BulkRefusal> Refused, ProblemHttpResult? Problem)> SelectAsync(HttpContext http,
        IRecoveryStore recovery, IncompleteSelection selection)
    {
        var items = new List<IncompleteRunView>();
        var refused = new List<BulkRefusal>();
        var ids = selection.Ids ?? [];
        if (selection.All == (ids.Count > 0))
            return (items, refused, Problems.BadRequest("invalid-selection", "Give \"ids\": [...] or \"all\": true (with an optional \"linkId\"), not both."));
        if (ids.Count > Paging.MaxLimit)
            return (items, refused, Problems.BadRequest("invalid-selection", $"At most {Paging.MaxLimit} ids at once."));
        if (selection.All)
        {
            for (var offset = 0; ; offset += Paging.MaxLimit)
            {
                var page = await recovery.ListIncompleteAsync(new IncompleteFilter(selection.LinkId, http.Caller().TenantFilter, null, null, offset, Paging.MaxLimit), http.RequestAborted);
                items.AddRange(page);
                if (page.Count < Paging.MaxLimit)
                    break;
            }
            return (items, refused, null);
        }
        foreach (var id in ids.Distinct())
        {
            if (await VisibleAsync(http, recovery, id) is not { } item)
                refused.Add(new BulkRefusal(id, "not-found", $"There is no incomplete run '{Id(id)}'."));
            else if (item.Status.IsClosed())
                refused.Add(new BulkRefusal(id, "incomplete-closed", $"Incomplete run {id} is {item.Status.ToString().ToLowerInvariant()} already."));
            else
                items.Add(item);
        }
        return (items, refused, null);
    }

    private static ProblemHttpResult? Closed(IncompleteRunView item) => item.Status.IsClosed()
        ? Problems.Conflict("incomplete-closed", $"Incomplete run {item.Id} is {item.Status.ToString().ToLowerInvariant()} already" +
            (item.ResolvedByRunId is { } by ? $" (by run {by})." : "."))
        : null;

    private static ProblemHttpResult? ParseStatuses(string? status, out IReadOnlyList<IncompleteStatus>? statuses)
    {
        statuses = null;
        if (status is null or "open")
            return null;
        if (status == "all")
        {
            statuses = Enum.GetValues<IncompleteStatus>();
            return null;
        }
        var parsed = new List<IncompleteStatus>();
        foreach (var part in status.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<IncompleteStatus>(part, ignoreCase: true, out var one))
                return Problems.BadRequest("invalid-filter", $"'{part}' is not an incomplete run status; use open (the default), all, or some of {string.Join(", ", Enum.GetNames<IncompleteStatus>())}.");
            parsed.Add(one);
        }
        statuses = parsed;
        return null;
    }

    private static string Reason(string? reason) => string.IsNullOrWhiteSpace(reason) ? "discarded through the API" : reason.Trim();

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
