using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Server.Api;
using Resync.Server.Auth;

namespace Resync.Server.Runs;

/// <summary><c>/api/v1/runs</c>: list, summary, batches, error groups, records, and live progress (server-sent events).</summary>
internal static class RunEndpoints
{
    public static RouteGroupBuilder MapRuns(this RouteGroupBuilder api) => api.MapResource("/runs", "Runs", runs =>
    {
        runs.MapGet("/", ListAsync).WithName("ListRuns");
        runs.MapGet("/{runId:long}", GetAsync).WithName("GetRun");
        runs.MapGet("/{runId:long}/batches", BatchesAsync).WithName("ListBatches");
        runs.MapGet("/{runId:long}/error-groups", ErrorGroupsAsync).WithName("ListErrorGroups");
        runs.MapGet("/{runId:long}/errors", ErrorsAsync).WithName("GetRunErrors");
        runs.MapGet("/{runId:long}/records", RecordsAsync).WithName("ListRecords");
        runs.MapGet("/{runId:long}/records/{batch:int}/{position:int}", RecordAsync).WithName("GetRecord");
        runs.MapGet("/{runId:long}/events", EventsAsync).WithName("RunEvents").Produces(200, contentType: "text/event-stream");
    });

    /// <summary>A filter naming one value of <typeparamref name="TEnum"/> by name (any case; numbers are not names).</summary>
    private static (TEnum? Value, ProblemHttpResult? Problem) Named<TEnum>(string? text, string what) where TEnum : struct, Enum =>
        text is null ? (null, null)
        : Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _) ? (value, null)
        : (null, Problems.BadRequest("invalid-filter", $"'{text}' is not a {what}; use one of {string.Join(", ", Enum.GetNames<TEnum>())}."));

    /// <summary>A time-range bound of the runs list: an ISO 8601 instant (without an offset: UTC).</summary>
    private static (DateTimeOffset? Value, ProblemHttpResult? Problem) Instant(string? text, string name) =>
        text is null ? (null, null)
        : DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var value)
            ? (value, null)
            : (null, Problems.BadRequest("invalid-filter", $"'{text}' in '{name}' is not a time; use ISO 8601, e.g. 2026-11-30T08:00:00Z."));

    /// <summary>The run if the caller may see it; null otherwise (answered 404 alike, whether absent or another tenant's).</summary>
    public static async Task<RunView?> VisibleRunAsync(HttpContext http, IRunQueries queries, long runId)
    {
        var run = await queries.GetRunAsync(runId, http.RequestAborted);
        return run is not null && http.Caller().Sees(run.Tenant) ? run : null;
    }

    private static async Task<Results<Ok<Page<RunDocument>>, ProblemHttpResult>> ListAsync(HttpContext http, IRunQueries queries, RunLauncher launcher,
        string? linkId, string? status, string? kind, string? from, string? to, [AsParameters] Paging paging)
    {
        if (paging.Check(50, out var start, out var count) is { } bad)
            return bad;
        var (statusFilter, badStatus) = Named<RunStatus>(status, "run status");
        var (kindFilter, badKind) = Named<RunKind>(kind, "run kind");
        var (startedFrom, badFrom) = Instant(from, "from");
        var (startedBefore, badTo) = Instant(to, "to");
        if ((badStatus ?? badKind ?? badFrom ?? badTo) is { } badFilter)
            return badFilter;
        var filter = new RunFilter(linkId, http.Caller().TenantFilter, statusFilter, start, count)
        {
            Kind = kindFilter,
            StartedFrom = startedFrom,
            StartedBefore = startedBefore,
        };
        var found = await queries.ListRunsAsync(filter, http.RequestAborted);
        return TypedResults.Ok(Page<RunDocument>.Of(await RunDocument.ListAsync(queries, found, launcher.Find, http.RequestAborted), start, count));
    }

    private static async Task<Results<Ok<RunDocument>, ProblemHttpResult>> GetAsync(HttpContext http, IRunQueries queries, IRecoveryStore recovery,
        RunLauncher launcher, long runId)
    {
        if (await VisibleRunAsync(http, queries, runId) is not { } run)
            return Problems.NotFound("run", runId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return TypedResults.Ok(await RunDocument.ReadAsync(queries, recovery, run, launcher.Find(runId), http.RequestAborted));
    }

    private static async Task<Results<Ok<Page<BatchView>>, ProblemHttpResult>> BatchesAsync(HttpContext http, IRunQueries queries, long runId, [AsParameters] Paging paging)
    {
        if (await VisibleRunAsync(http, queries, runId) is null)
            return Problems.NotFound("run", Id(runId));
        if (paging.Check(100, out var start, out var count) is { } bad)
            return bad;
        return TypedResults.Ok(Page<BatchView>.Of(await queries.ListBatchesAsync(runId, start, count, http.RequestAborted), start, count));
    }

    private static async Task<Results<Ok<IReadOnlyList<ErrorGroupView>>, ProblemHttpResult>> ErrorGroupsAsync(HttpContext http, IRunQueries queries, long runId)
    {
        if (await VisibleRunAsync(http, queries, runId) is null)
            return Problems.NotFound("run", Id(runId));
        return TypedResults.Ok(await queries.ListErrorGroupsAsync(runId, http.RequestAborted));
    }

    private static async Task<Results<Ok<RunErrors>, ProblemHttpResult>> ErrorsAsync(HttpContext http, IRunQueries queries, long runId)
    {
        if (await VisibleRunAsync(http, queries, runId) is not { } run)
            return Problems.NotFound("run", Id(runId));
        return TypedResults.Ok(new RunErrors(run.SystemError, run.BatchErrors, await queries.ListErrorGroupsAsync(runId, http.RequestAborted)));
    }

    private static async Task<Results<Ok<Page<RecordDocument>>, ProblemHttpResult>> RecordsAsync(HttpContext http, IRunQueries queries, long runId,
        string? outcome, [AsParameters] Paging paging)
    {
        if (await VisibleRunAsync(http, queries, runId) is null)
            return Problems.NotFound("run", Id(runId));
        if (paging.Check(100, out var start, out var count) is { } bad)
            return bad;
        OutcomeKind? kind = null;
        if (outcome is not null && outcome != "all")
        {
            if (!Enum.TryParse<OutcomeKind>(outcome, ignoreCase: true, out var parsed))
                return Problems.BadRequest("invalid-filter", $"'{outcome}' is not an outcome; use failed, ignored, succeeded or all.");
            kind = parsed;
        }
        var records = await queries.ListRecordsAsync(runId, new RecordFilter(kind, start, count), http.RequestAborted);
        return TypedResults.Ok(Page<RecordDocument>.Of([.. records.Select(RecordDocument.From)], start, count));
    }

    /// <summary>One kept record outcome, with the values the run's next retry writes when it was edited.</summary>
    private static async Task<Results<Ok<RecordDetailDocument>, ProblemHttpResult>> RecordAsync(HttpContext http, IRunQueries queries, IRecoveryStore recovery,
        long runId, int batch, int position)
    {
        if (await VisibleRunAsync(http, queries, runId) is null)
            return Problems.NotFound("run", Id(runId));
        var record = (await queries.ListRecordsAsync(runId, new RecordFilter(null, 0, 100_000, batch), http.RequestAborted)).FirstOrDefault(r => r.Position == position);
        if (record is null)
            return Problems.NotFound("record", $"{batch}/{position} of run {runId}");
        var edit = (await recovery.GetRecordEditsAsync(runId, http.RequestAborted)).GetValueOrDefault((batch, position));
        return TypedResults.Ok(new RecordDetailDocument(RecordDocument.From(record), edit is null ? null : System.Text.Json.Nodes.JsonNode.Parse(edit),
            $"/api/v1/runs/{Id(runId)}/records/{Id(batch)}/{Id(position)}", $"/api/v1/runs/{Id(runId)}/retry"));
    }

    /// <summary>
    /// Live progress as server-sent events: a <c>progress</c> event with the counts at each interval while the run goes
    /// (only when they changed), then one <c>finished</c> event with the final summary, and the stream ends.
    /// </summary>
    private static async Task<IResult> EventsAsync(HttpContext http, IRunQueries queries, RunLauncher launcher, ServerOptions options, TimeProvider clock,
        long runId)
    {
        if (await VisibleRunAsync(http, queries, runId) is null)
            return Problems.NotFound("run", Id(runId));
        // A proxy in front (nginx) would otherwise hold the events back.
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var json = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        return TypedResults.ServerSentEvents(ProgressAsync(queries, launcher, options, clock, json, runId, http.RequestAborted));
    }

    private static async IAsyncEnumerable<SseItem<string>> ProgressAsync(IRunQueries queries, RunLauncher launcher, ServerOptions options, TimeProvider clock,
        JsonSerializerOptions json, long runId, [EnumeratorCancellation] CancellationToken token)
    {
        RunCounts? last = null;
        while (await UntilCancelledAsync(() => queries.GetRunAsync(runId, token)) is { } run)
        {
            var document = RunDocument.From(run, null, null, launcher.Find(runId));
            if (run.Status != RunStatus.Running)
            {
                yield return new SseItem<string>(JsonSerializer.Serialize(document, json), "finished");
                yield break;
            }
            if (document.Counts != last)
            {
                yield return new SseItem<string>(JsonSerializer.Serialize(document.Counts, json), "progress");
                last = document.Counts;
            }
            if (!await WaitAsync(options.ProgressInterval, clock, token))
                yield break;
        }
    }

    /// <summary>Waits; false once the client has gone away (its request's token cancelled).</summary>
    private static async Task<bool> WaitAsync(TimeSpan delay, TimeProvider clock, CancellationToken token)
    {
        try
        {
            await Task.Delay(delay, clock, token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The value, or null once the client has gone away (its request's token cancelled).</summary>
    private static async Task<T?> UntilCancelledAsync<T>(Func<Task<T?>> work) where T : class
    {
        try
        {
            return await work();
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
