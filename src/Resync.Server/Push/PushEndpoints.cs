using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Resync.Connectors.Push;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Storage;
using Resync.Server.Alerts;
using Resync.Server.Api;
using Resync.Server.Auth;
using Resync.Server.Links;
using Microsoft.AspNetCore.Http.HttpResults;
using Resync.Server.Runs;

namespace Resync.Server.Push;

/// <summary>
/// <c>POST /api/v1/links/{linkId}/push</c>: records in the body. Synchronous by default (the answer lists each record's
/// outcome); <c>?mode=async</c> (or <c>Prefer: respond-async</c>) answers 202 once the payload is stored, with the run id.
/// </summary>
internal static class PushEndpoints
{
    public static RouteGroupBuilder MapPush(this RouteGroupBuilder api)
    {
        api.MapPost("/links/{linkId}/push", PushAsync).WithTags("Push").WithName("Push")
            .Produces<PushAnswer>(200).Produces<PushAccepted>(202).ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415).ProducesProblem(503);
        api.MapGet("/pushes/{pushId:long}", StatusAsync).WithTags("Push").WithName("GetPush");
        api.MapGet("/pushes/{pushId:long}/records/{index:int}", RecordStatusAsync).WithTags("Push").WithName("GetPushRecord");
        api.MapGet("/runs/{runId:long}/callbacks", CallbacksAsync).WithTags("Push").WithName("ListPushCallbacks");
        return api;
    }

    private static async Task<IResult> PushAsync(HttpContext http, string linkId, string? mode, string? callbackUrl, [AsParameters] PushServices services)
    {
        var (push, problem) = await ReadAsync(http, linkId, mode, callbackUrl, services);
        if (push is null)
            return problem!;
        if (services.Processor.IsStopping)
            return Problems.Of(StatusCodes.Status503ServiceUnavailable, "server-stopping", "Server stopping", "The server is shutting down and takes no new pushes; send it again once it is back.");
        return await services.Idempotency.RunAsync(http, push.Body, () => push.IsAsync ? AcceptAsync(push, services, http.RequestAborted) : RunAsync(push, services));
    }

    /// <summary>The push checked and parsed (link, mode, callback, body, records, link state), or the problem that refuses it; nothing stored yet.</summary>
    private static async Task<(PushRequest? Push, IResult? Problem)> ReadAsync(HttpContext http, string linkId, string? mode, string? callbackUrl, PushServices services)
    {
        if (services.Links.Find(linkId) is not { } entry || !http.Caller().Sees(entry.Tenant))
            return (null, Problems.NotFound("link", linkId));
        if (!entry.Link.TakesPushes || entry.Link.Source is not PushSource source)
            return (null, Problems.Conflict("push-not-enabled", $"Link '{linkId}' does not take pushes: give it 'source: {{type: push}}' and 'trigger: {{push: true}}'."));
        if (!RequestBody.IsJson(http.Request))
            return (null, Problems.UnsupportedMediaType("application/json", http.Request.ContentType));
        var isAsync = string.Equals(mode, "async", StringComparison.OrdinalIgnoreCase)
            || http.Request.Headers["Prefer"].Any(value => value?.Contains("respond-async", StringComparison.OrdinalIgnoreCase) == true);
        if (mode is not null && !isAsync && !string.Equals(mode, "sync", StringComparison.OrdinalIgnoreCase))
            return (null, Problems.BadRequest("invalid-mode", $"mode is 'sync' (the default) or 'async', found '{mode}'."));
        if (callbackUrl is not null && await CallbackProblemAsync(callbackUrl, isAsync, services.Options, http.RequestAborted) is { } badCallback)
            return (null, badCallback);
        var (body, tooLarge) = await RequestBody.ReadAsync(http.Request, services.Options.MaxBodyBytes);
        if (tooLarge is not null)
            return (null, tooLarge);
        var (records, unreadable) = Parse(source, body, services.Options);
        if (records is null)
            return (null, unreadable);
        if (await services.LinkStates.GetAsync(linkId, http.RequestAborted) is { IsActive: false } state)
            return (null, Problems.Conflict("link-deactivated", $"Link '{linkId}' is deactivated ({state.Reason ?? "no reason given"}); activate it to accept pushes."));
        return (new PushRequest(entry, source, records, body, isAsync, callbackUrl, http.Request.Headers["X-Request-Id"].FirstOrDefault()), null);
    }

    /// <summary>The body's records, or the problem with it: not JSON, too many records, or none.</summary>
    private static (IReadOnlyList<Record>? Records, ProblemHttpResult? Problem) Parse(PushSource source, ReadOnlyMemory<byte> body, ServerOptions options)
    {
        IReadOnlyList<Record> records;
        try
        {
            records = source.ReadBody(body.Span, options.MaxRecordsPerPush);
        }
        catch (JsonException exception)
        {
            return (null, Problems.BadRequest("malformed-json", $"The body is not a valid push: {exception.Message}",
                exception.LineNumber is { } line ? new Dictionary<string, object?> { ["line"] = line + 1, ["position"] = exception.BytePositionInLine + 1 } : null));
        }
        catch (PushTooLargeException exception)
        {
            return (null, Problems.BadRequest("too-many-records", exception.Message, new Dictionary<string, object?> { ["maxRecords"] = exception.Max, ["records"] = exception.Count }));
        }
        return records.Count == 0 ? (null, Problems.BadRequest("no-records", "The push holds no records.")) : (records, null);
    }

    /// <summary>
    /// An asynchronous push: answered 202 once its payload is committed (one commit shared by the pushes that arrive together), with
    /// its own status URL; its run starts after. A push with a callback is answered once its run has started too, as its callbacks
    /// are listed under that run.
    /// </summary>
    private static async Task<IResult> AcceptAsync(PushRequest request, PushServices services, CancellationToken cancellationToken)
    {
        var (entry, callbackUrl) = (request.Entry, request.CallbackUrl);
        // Each push with a callback gets its own signing secret, shown once: a receiver checks that the callback comes
        // from this server and is about this push, and no tenant can sign for another.
        var secret = callbackUrl is null ? null : WebhookSignature.NewSecret();
        var push = new StoredPush(0, entry.Id, entry.Tenant, Encoding.UTF8.GetString(request.Body.Span), request.RequestId, callbackUrl, null, services.Clock.GetUtcNow(), null)
        {
            ProtectedCallbackSecret = secret is null ? null : services.Secrets.Protect(secret),
            RecordCount = request.Records.Count,
        };
        // Stored, the push is the server's: it is run even if this request is abandoned now.
        push = await services.Processor.SaveAsync(new PushWork(entry.Link, request.Source, request.Records, request.RequestId, push)).WaitAsync(cancellationToken);
        var pushUrl = PushStatus.Url(push.Id);
        PushAccepted accepted;
        if (callbackUrl is null)
            accepted = new PushAccepted(push.Id, null, "Accepted", pushUrl, null, null) { PushUrl = pushUrl };
        else
        {
            var started = await services.Processor.StartAsync(new PushWork(entry.Link, request.Source, request.Records, request.RequestId, push));
            var links = RunLinks.For(started.Run.RunId);
            accepted = new PushAccepted(push.Id, started.Run.RunId, "Accepted", links.Self, links.Events, SecretText.MaskOrNull(callbackUrl), null,
                $"{links.Self}/callbacks") { FirstRecord = started.First, PushUrl = pushUrl };
        }
        var serializer = services.Json.Value.SerializerOptions;
        var kept = JsonSerializer.Serialize(accepted, serializer);
        // The secret is in the first answer only: an Idempotency-Key replay answers the kept one.
        return new JsonAnswer(StatusCodes.Status202Accepted, secret is null ? kept : JsonSerializer.Serialize(accepted with { CallbackSecret = secret }, serializer),
            accepted.StatusUrl)
        {
            KeptJson = kept,
        };
    }

    /// <summary>A synchronous push: run, then answered with each record's outcome.</summary>
    private static async Task<IResult> RunAsync(PushRequest request, PushServices services)
    {
        var share = await services.Processor.StartAsync(new PushWork(request.Entry.Link, request.Source, request.Records, request.RequestId, null));
        // The client may go away; the run goes on and is in the run list either way.
        var (result, replaying) = await EndOrReplayUnderWayAsync(share.Run, request.Entry, services.Queries, services.Options, services.Clock);
        var answer = await AnswerAsync(services.Queries, services.Recovery, request.Source, request.Entry, share, result, request.Records, replaying, services.Options,
            CancellationToken.None);
        return new JsonAnswer(StatusCodes.Status200OK, JsonSerializer.Serialize(answer, services.Json.Value.SerializerOptions), RunLinks.For(share.Run.RunId).Self);
    }

    /// <summary>An asynchronous push's status and its records' outcomes; another tenant's push is not found.</summary>
    private static async Task<Results<Ok<PushStatus>, ProblemHttpResult>> StatusAsync(HttpContext http, long pushId, [AsParameters] Paging paging,
        [AsParameters] PushServices services)
    {
        if (paging.Check(Paging.MaxLimit, out var start, out var count) is { } bad)
            return bad;
        if (await services.Store.GetPushAsync(pushId, http.Caller().TenantFilter, http.RequestAborted) is not { } push)
            return Problems.NotFound("push", pushId.ToString(CultureInfo.InvariantCulture));
        return TypedResults.Ok(await PushStatusReader.ReadAsync(push, services.Links.Find(push.LinkId)?.Link, services.Queries, services.Recovery, start, count,
            http.RequestAborted));
    }

    /// <summary>One record of an asynchronous push, by its index in the push's body.</summary>
    private static async Task<Results<Ok<PushRecordStatus>, ProblemHttpResult>> RecordStatusAsync(HttpContext http, long pushId, int index,
        [AsParameters] PushServices services)
    {
        if (await services.Store.GetPushAsync(pushId, http.Caller().TenantFilter, http.RequestAborted) is not { } push)
            return Problems.NotFound("push", pushId.ToString(CultureInfo.InvariantCulture));
        if (index < 0 || index >= push.RecordCount)
            return Problems.NotFound("record", $"{index} of push {pushId}");
        var status = await PushStatusReader.ReadAsync(push, services.Links.Find(push.LinkId)?.Link, services.Queries, services.Recovery, index, 1, http.RequestAborted);
        return status.Records is { Items: [var record] } ? TypedResults.Ok(record) : Problems.NotFound("record", $"{index} of push {pushId}");
    }

    /// <summary>A problem with the callback URL: not an absolute http(s) URL, not async, or an address the outbound network policy refuses.</summary>
    private static async Task<ProblemHttpResult?> CallbackProblemAsync(string callbackUrl, bool isAsync, ServerOptions options, CancellationToken cancellationToken)
    {
        if (!isAsync || !Uri.TryCreate(callbackUrl, UriKind.Absolute, out var callback) || callback.Scheme is not ("http" or "https"))
            return Problems.BadRequest("invalid-callback", "callbackUrl is an absolute http(s) URL, and only for mode=async.");
        // Stored with the push and shown in its answers: no credentials in it; the receiver verifies the webhook-signature header instead.
        if (callback.UserInfo.Length > 0)
            return Problems.BadRequest("invalid-callback", "callbackUrl may not carry credentials (user:password@); the receiver verifies the webhook-signature header instead.");
        // Checked now, so that a callback that could never be sent is refused at the push (it is checked again when sent).
        if (await options.NetworkPolicy().RefusalAsync(callback.IdnHost, cancellationToken) is not { } refused)
            return null;
        var classified = ErrorClassifier.Default.Classify(refused);
        return Problems.BadRequest("invalid-callback", $"callbackUrl: {classified.Message}. {classified.Hint}");
    }

    private static async Task<Results<Ok<Page<AlertDeliveryDocument>>, ProblemHttpResult>> CallbacksAsync(HttpContext http, IRunQueries queries,
        IServerStore store, long runId, [AsParameters] Paging paging)
    {
        if (paging.Check(50, out var start, out var count) is { } bad)
            return bad;
        if (await RunEndpoints.VisibleRunAsync(http, queries, runId) is null)
            return Problems.NotFound("run", runId.ToString(CultureInfo.InvariantCulture));
        var deliveries = await store.ListCallbackDeliveriesAsync(runId, http.RequestAborted);
        return TypedResults.Ok(Page<AlertDeliveryDocument>.Of([.. deliveries.Skip(start).Take(count).Select(AlertDeliveryDocument.From)], start, count));
    }

    /// <summary>
    /// The run's end, with its automated replays when the link has them on, waited for at most
    /// <see cref="ServerOptions.SyncPushReplayWait"/> once the run itself has ended; past that, the run as it stands and true.
    /// </summary>
    private static async Task<(Core.Engine.RunResult Result, bool Replaying)> EndOrReplayUnderWayAsync(ActiveRun run, LinkEntry entry, IRunQueries queries,
        ServerOptions options, TimeProvider clock)
    {
        if (!entry.Link.Settings.AutomatedReplay)
            return (await run.Completion, false);
        await run.Ended;
        try
        {
            return (await run.Completion.WaitAsync(options.SyncPushReplayWait, clock), false);
        }
        catch (TimeoutException)
        {
        }
        // Only failed records are replayed: a run without any (or stopped by a system error) has none coming, just its end.
        if (await queries.GetRunAsync(run.RunId, CancellationToken.None) is not { SystemError: null, Counts.Failed: > 0 } now)
            return (await run.Completion, false);
        return (new Core.Engine.RunResult(now.Id, now.Status, now.Counts, now.SystemError), true);
    }

    /// <summary>
    /// Each of the push's records' outcomes, read from its run (from the push's first record in it when the run is shared), and
    /// the run's status and counts; in a shared run, the status and counts are the push's own records'.
    /// </summary>
    private static async Task<PushAnswer> AnswerAsync(IRunQueries queries, IRecoveryStore recovery, PushSource source, LinkEntry entry, PushShare share,
        Core.Engine.RunResult result, IReadOnlyList<Record> records, bool replaying, ServerOptions options, CancellationToken cancellationToken)
    {
        var runId = share.Run.RunId;
        var links = RunLinks.For(runId);
        var waited = options.SyncPushReplayWait.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var underWay = replaying
            ? $"; automated replay of the run's failed records was still going when this answer was sent ({waited} s after the run ended), so it may write this record yet: GET {links.Self} (its status becomes Succeeded once the replays have written every failure, its children are the replays)"
            : "";
        var batchSize = entry.Link.Settings.BatchSize;
        if (!replaying && result.SystemError is null && result.Counts is { Failed: 0, Ignored: 0, Incomplete: 0, BatchesFailed: 0 })
        {
            // Nothing kept and so nothing replayed: every record succeeded, with nothing to read back (the common answer, and the cheapest).
            var written = records.Select((record, i) => new PushRecordResult(i, record.Key, OutcomeKind.Succeeded, null, null)).ToArray();
            var (ownStatus, ownCounts) = share.Pushes > 1 ? OwnStatusAndCounts(result.Status, result.Counts, written, share, batchSize, null) : (result.Status, result.Counts);
            return new PushAnswer(runId, ownStatus, ownStatus != Core.Runs.RunStatus.Succeeded, ownCounts, null, written, links) { FirstRecord = share.First };
        }
        // The answer waits for the automated replays (they end with the run's work); a record one of them wrote is Succeeded.
        var replayed = await ReplayOutcomes.WrittenByReplaysAsync(queries, recovery, runId, batchSize, entry.Link.Settings.ReplayIncludesDurable, cancellationToken);
        var results = new PushRecordResult[records.Count];
        foreach (var outcome in new[] { OutcomeKind.Failed, OutcomeKind.Ignored, OutcomeKind.Incomplete })
        {
            foreach (var (index, record) in await PushOutcomes.KeptAsync(queries, runId, outcome, share.First, results.Length, batchSize, cancellationToken))
            {
                var message = outcome switch
                {
                    OutcomeKind.Ignored => record.IgnoreReason,
                    OutcomeKind.Incomplete => PushOutcomes.IncompleteMessage(result.SystemError, entry.Id),
                    _ => underWay.Length == 0 ? PushOutcomes.Message(source.ErrorMessage, index, record) : PushOutcomes.Message(source.ErrorMessage, index, record) + underWay,
                };
                results[index] = replayed.TryGetValue((record.BatchNumber, record.Position), out var replayId)
                    ? new PushRecordResult(index, record.Key, OutcomeKind.Succeeded, $"written by automated replay run {replayId}", null)
                    : new PushRecordResult(index, record.Key, outcome, message, outcome == OutcomeKind.Incomplete ? null : record.Error);
            }
        }
        // Records without a kept failure or ignore succeeded, if their batch finished; a batch that failed as a whole or
        // never ran (the run stopped) fails its records with the batch's or the run's error.
        var batches = result.SystemError is null && result.Counts.BatchesFailed == 0
            ? null
            : (await queries.ListBatchesAsync(runId, (share.First / batchSize), Paging.MaxLimit, cancellationToken)).ToDictionary(batch => batch.Number);
        for (var i = 0; i < results.Length; i++)
        {
            if (results[i] is not null)
                continue;
            var batch = batches is null ? null : batches.GetValueOrDefault((share.First + i) / batchSize + 1);
            var succeeded = batches is null || batch is { Status: Core.Runs.BatchStatus.Succeeded or Core.Runs.BatchStatus.CompletedWithErrors };
            var error = batch?.Error ?? result.SystemError;
            results[i] = succeeded
                ? new PushRecordResult(i, records[i].Key, OutcomeKind.Succeeded, null, null)
                : new PushRecordResult(i, records[i].Key, OutcomeKind.Failed, error?.Message ?? "not processed: the run stopped first", error);
        }
        // A replay that wrote every failure resolved the run: its status says so (its counts keep the original failures).
        var status = replayed.Count > 0 && await queries.GetRunAsync(runId, cancellationToken) is { } now ? now.Status : result.Status;
        var counts = result.Counts;
        if (share.Pushes > 1)
            (status, counts) = OwnStatusAndCounts(status, counts, results, share, batchSize, batches);
        return new PushAnswer(runId, status, status != Core.Runs.RunStatus.Succeeded, counts, result.SystemError, results, links)
        {
            FirstRecord = share.First,
            Replay = replaying
                ? new PushReplay("UnderWay", $"Automated replay of the run's failed records was still going {waited} s after the run ended "
                    + $"(ServerOptions.SyncPushReplayWait). The records answering Failed may still be written by it: follow the run, whose status becomes Succeeded once the "
                    + "replays have written every failure; do not send them again before it has ended.", links.Self, links.Events)
                : null,
        };
    }

    /// <summary>
    /// A push's own status and counts in a run it shares: its records' outcomes, and the batches that hold them; warnings are
    /// counted per batch only, so they stay the run's. A run stopped by a system error keeps its status.
    /// </summary>
    private static (Core.Runs.RunStatus Status, Core.Runs.RunCounts Counts) OwnStatusAndCounts(Core.Runs.RunStatus runStatus, Core.Runs.RunCounts run,
        PushRecordResult[] results, PushShare share, int batchSize, Dictionary<int, BatchView>? batches)
    {
        long Count(OutcomeKind kind) => results.Count(result => result.Outcome == kind);
        var numbers = Enumerable.Range(share.First / batchSize + 1, (share.First + share.Count - 1) / batchSize - share.First / batchSize + 1).ToList();
        // Without a system error or a failed batch, the batches were not read: every batch holding the push's records ran.
        var held = batches is null ? [] : numbers.Select(number => batches.GetValueOrDefault(number)).OfType<BatchView>().ToList();
        var counts = new Core.Runs.RunCounts(results.Length, Count(OutcomeKind.Succeeded), Count(OutcomeKind.Failed), Count(OutcomeKind.Ignored), Count(OutcomeKind.Incomplete),
            run.Warnings, batches is null ? numbers.Count : held.Count, held.Count(batch => batch.Status == Core.Runs.BatchStatus.Failed));
        var status = runStatus is not (Core.Runs.RunStatus.Succeeded or Core.Runs.RunStatus.CompletedWithErrors) ? runStatus
            : counts.Failed + counts.Incomplete > 0 || counts.BatchesFailed > 0 ? Core.Runs.RunStatus.CompletedWithErrors
            : Core.Runs.RunStatus.Succeeded;
        return (status, counts);
    }
}
