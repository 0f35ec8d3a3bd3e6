using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Resync.Connectors.Push;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Sdk;
using Resync.Server.Api;
using Resync.Server.Auth;
using Resync.Server.Links;
using Resync.Server.Runs;

namespace Resync.Server.Composite;

/// <summary>
/// Carries out one composite call that was read without error (<see cref="CompositeRequestReader"/>): a batch or composite
/// call as the records of its one run (<see cref="CompositeRun"/>), a tree as one all-or-none push to its link. Record
/// operations are written through the link's steps and target; any other <c>/api/v1/…</c> URL is called on this server
/// with the caller's key.
/// </summary>
internal sealed class CompositeExecutor(HttpContext http, CompositeServices services)
{
    private const string RolledBackMessage = "The transaction was rolled back since another operation in the same transaction failed.";
    private readonly string _requestId = http.Request.Headers[RequestIds.Header].ToString();

    /// <summary>The call's run, once it carries out the subrequests.</summary>
    private long _runId;

    /// <summary>The run's token: a client going away does not stop the call (its run shows what was done either way).</summary>
    private CancellationToken _stopping;

    /// <summary>Whether a link writes a batch all or none, as tree and allOrNone calls need: asked of its built target.</summary>
    public static bool IsTransactional(LinkEntry entry) => entry.Link.Target is ITransactionalTarget { IsTransactional: true };

    public static CompositeError NotTransactional(string linkId) => new(CompositeCodes.AllOrNoneUnsupported,
        $"All-or-none needs a transactional target: link '{linkId}' must write to a sqlite or postgres target with 'transactional: true'.", []);

    /// <summary>Why an all-or-none call on a link the caller sees cannot be done (its target is not transactional), or null.</summary>
    public CompositeError? AllOrNoneRefusal(string linkId) =>
        services.Links.Find(linkId) is { } entry && http.Caller().Sees(entry.Tenant) && !IsTransactional(entry) ? NotTransactional(entry.Id) : null;

    /// <summary>A batch call: the subrequests in order; with haltOnError, those after the first failure are not carried out.</summary>
    public Task<JsonAnswer> BatchAsync(CompositeRequest request) => RunAsync(request.Subrequests, async () =>
    {
        var results = new List<CompositeResult>();
        var halted = false;
        foreach (var subrequest in request.Subrequests)
        {
            if (halted)
            {
                results.Add(CompositeResult.Failure(null, 412, CompositeCodes.BatchProcessingHalted, "Batch processing halted: an earlier subrequest failed and haltOnError is true."));
                continue;
            }
            var result = await ExecuteAsync(subrequest, subrequest.Url, subrequest.Body);
            results.Add(result);
            halted = request.HaltOnError && !result.Success;
        }
        return results;
    });

    /// <summary>A composite call: in order, each after the ones it refers to; with allOrNone, one transaction on one link.</summary>
    public Task<JsonAnswer> CompositeAsync(CompositeRequest request) =>
        RunAsync(request.Subrequests, () => request.AllOrNone ? AllOrNoneAsync(request.LinkId!, request.Subrequests) : DependentAsync(request.Subrequests));

    /// <summary>A tree: a push of its records to the link, one run of that link, one batch, one transaction.</summary>
    public async Task<JsonAnswer> TreeAsync(LinkEntry entry, PushSource source, IReadOnlyList<TreeRecord> tree)
    {
        var ids = new Dictionary<string, string?>(StringComparer.Ordinal);
        var records = new List<Record>();
        foreach (var node in tree)
        {
            if (node.ParentReference is not null)
                node.Fields[node.ParentField!] = ids[node.ParentReference];
            var record = CompositeRecords.FromFields(node.Fields, source.KeyField);
            ids[node.ReferenceId] = record.Key;
            records.Add(record);
        }
        var (runId, outcomes) = await new CompositeRecordWriter(services.Launcher, services.Queries).WriteAllOrNoneAsync(entry, source, records, _requestId);
        if (outcomes.All(outcome => outcome.Succeeded))
            return Answer(runId, [.. tree.Select((node, i) => CompositeResult.Created(node.ReferenceId, records[i].Key))]);
        // As Salesforce: on failure, the records that failed on their own (the others were only rolled back with them).
        var culprits = tree.Select((node, i) => (node, outcome: outcomes[i])).Where(pair => !pair.outcome.Succeeded && !pair.outcome.RolledBack).ToList();
        if (culprits.Count == 0)
            culprits = [.. tree.Select((node, i) => (node, outcome: outcomes[i])).Where(pair => !pair.outcome.Succeeded)];
        return Answer(runId, [.. culprits.Select(pair => CompositeResult.Refused(pair.node.ReferenceId, pair.outcome))]);
    }

    /// <summary>The push link a record operation or tree writes to, or why not (404 for a link the caller does not see, 409 otherwise).</summary>
    public async Task<(LinkEntry? Entry, PushSource? Source, CompositeResult? Refused)> FindPushLinkAsync(string linkId)
    {
        if (services.Links.Find(linkId) is not { } entry || !http.Caller().Sees(entry.Tenant))
            return (null, null, CompositeResult.Failure(null, 404, CompositeCodes.NotFound, $"There is no link '{linkId}'."));
        if (!entry.Link.TakesPushes || entry.Link.Source is not PushSource source)
            return (null, null, CompositeResult.Failure(null, 409, CompositeCodes.PushNotEnabled,
                $"Link '{linkId}' does not take pushes: give it 'source: {{type: push}}' and 'trigger: {{push: true}}'."));
        if (await services.Store.GetLinkStateAsync(linkId, CancellationToken.None) is { IsActive: false } state)
            return (null, null, CompositeResult.Failure(null, 409, CompositeCodes.LinkDeactivated, $"Link '{linkId}' is deactivated ({state.Reason ?? "no reason given"}); activate it to accept records."));
        return (entry, source, null);
    }

    /// <summary>Carries out the subrequests as the records of the call's one run (see <see cref="CompositeRun"/>), then answers.</summary>
    private async Task<JsonAnswer> RunAsync(IReadOnlyList<CompositeSubrequest> subrequests, Func<Task<IReadOnlyList<CompositeResult>>> work)
    {
        var (runId, results) = await new CompositeRun(services.Launcher).RunAsync(http.Caller().Tenant ?? Tenants.Default, subrequests, _requestId,
            (runId, token) =>
            {
                _runId = runId;
                _stopping = token;
                return work();
            });
        return Answer(runId, results);
    }

    private async Task<IReadOnlyList<CompositeResult>> DependentAsync(IReadOnlyList<CompositeSubrequest> subrequests)
    {
        var done = new Dictionary<string, CompositeResult>(StringComparer.Ordinal);
        var results = new List<CompositeResult>();
        foreach (var subrequest in subrequests)
        {
            CompositeResult result;
            if (CompositeReferences.IdsIn(subrequest).FirstOrDefault(id => !done[id].Success) is { } failed)
                result = CompositeResult.Failure(subrequest.ReferenceId, 424, CompositeCodes.ProcessingHalted, $"Not executed: it refers to '{failed}', which failed.");
            else if (!CompositeReferences.TryResolve(subrequest, id => done[id].Body, out var url, out var body, out var problem))
                result = CompositeResult.Failure(subrequest.ReferenceId, 400, CompositeCodes.InvalidReference, problem!);
            else
                result = await ExecuteAsync(subrequest, url!, body);
            done[subrequest.ReferenceId!] = result;
            results.Add(result);
        }
        return results;
    }

    private async Task<IReadOnlyList<CompositeResult>> AllOrNoneAsync(string linkId, IReadOnlyList<CompositeSubrequest> subrequests)
    {
        var (entry, source, refused) = await FindPushLinkAsync(linkId);
        if (refused is not null)
            return [.. subrequests.Select(subrequest => refused with { ReferenceId = subrequest.ReferenceId })];

        // Ids are planned before the write (the key field, or a new id), so references resolve before the one transaction.
        var planned = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var records = new List<Record>();
        var early = new CompositeResult?[subrequests.Count];
        foreach (var subrequest in subrequests)
        {
            if (!CompositeReferences.TryResolve(subrequest, id => planned[id], out var url, out var body, out var problem))
            {
                early[subrequest.Index] = CompositeResult.Failure(subrequest.ReferenceId, 400, CompositeCodes.InvalidReference, problem!);
                continue;
            }
            var (record, refusal) = CompositeRecords.FromSubrequest(subrequest, body, source!.KeyField, services.Routes.RecordOperation(subrequest.Method, url!)?.Key);
            early[subrequest.Index] = refusal;
            if (record is not null)
            {
                planned[subrequest.ReferenceId!] = new JsonObject { ["id"] = record.Key };
                records.Add(record);
            }
        }
        if (early.Any(result => result is not null))
            return [.. subrequests.Select(subrequest => early[subrequest.Index] ?? CompositeResult.Failure(subrequest.ReferenceId, 400, CompositeCodes.ProcessingHalted, RolledBackMessage))];

        var outcomes = await WriteAsync(entry!, records, allOrNone: true);
        var allWritten = outcomes.All(outcome => outcome.Succeeded);
        return [.. subrequests.Select((subrequest, i) => allWritten
            ? CompositeResult.Written(subrequest, records[i].Key)
            : outcomes[i].Succeeded || outcomes[i].RolledBack
                ? CompositeResult.Failure(subrequest.ReferenceId, 400, CompositeCodes.ProcessingHalted, RolledBackMessage)
                : CompositeResult.Refused(subrequest.ReferenceId, outcomes[i]))];
    }

    /// <summary>Writes records of a composite call through a link's steps and target, as records of the call's run (not as a run of that link).</summary>
    private async Task<IReadOnlyList<CompositeRecordOutcome>> WriteAsync(LinkEntry entry, IReadOnlyList<Record> records, bool allOrNone)
    {
        // Disposing the wrapper leaves the link's target alone: the link owns it.
        await using var wrapped = allOrNone ? new AllOrNoneTarget(entry.Link.Target, records.Count) : null;
        var link = wrapped is null ? entry.Link : entry.Link.With(target: wrapped);
        var (result, _) = await LinkBatch.ProcessAsync(link, _runId, records, services.Clock, _stopping);
        var outcomes = new CompositeRecordOutcome[records.Count];
        foreach (var kept in result.Outcomes)
            outcomes[kept.Position] = CompositeRecordOutcome.Of(kept);
        for (var i = 0; i < outcomes.Length; i++)
            outcomes[i] ??= CompositeRecordOutcome.Written;
        return outcomes;
    }

    private async Task<CompositeResult> ExecuteAsync(CompositeSubrequest subrequest, string url, JsonNode? body)
    {
        // Matched again once references are resolved: a resolved value is one escaped segment, and is checked like the rest.
        var match = services.Routes.Match(subrequest.Method, url);
        if (match.IsRecordOperation)
        {
            var (entry, source, refused) = await FindPushLinkAsync(match.LinkId!);
            if (refused is not null)
                return refused with { ReferenceId = subrequest.ReferenceId };
            var (record, refusal) = CompositeRecords.FromSubrequest(subrequest, body, source!.KeyField, match.Key);
            if (refusal is not null)
                return refusal;
            var outcome = (await WriteAsync(entry!, [record!], allOrNone: false))[0];
            return outcome.Succeeded ? CompositeResult.Written(subrequest, record!.Key) : CompositeResult.Refused(subrequest.ReferenceId, outcome);
        }
        if (match.Kind == SubrequestKind.RecordsMethodNotAllowed)
            return CompositeResult.Failure(subrequest.ReferenceId, 405, CompositeCodes.MethodNotAllowed,
                $"{subrequest.Method} {url}: a link's records take POST /api/v1/links/{{linkId}}/records (create) or PATCH or PUT /api/v1/links/{{linkId}}/records/{{key}} (write the record of that key).");
        if (match.Kind == SubrequestKind.Refused)
            return CompositeResult.Failure(subrequest.ReferenceId, 400, CompositeCodes.InvalidUrl, match.Problem!);
        try
        {
            return await CallAsync(subrequest, match.Url, body);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !_stopping.IsCancellationRequested)
        {
            return CompositeResult.Failure(subrequest.ReferenceId, 503, CompositeCodes.ServiceUnavailable, $"{subrequest.Method} {url} got no answer: {exception.Message}");
        }
    }

    /// <summary>Any other API URL: called on this server over loopback with the caller's own credentials.</summary>
    private async Task<CompositeResult> CallAsync(CompositeSubrequest subrequest, string url, JsonNode? body)
    {
        var server = Loopback(services.Server);
        var target = new Uri(server, url);
        if (!SubrequestClient.IsOnLoopback(target, server))
            return CompositeResult.Failure(subrequest.ReferenceId, 400, CompositeCodes.InvalidUrl, $"{subrequest.Method} {url}: a subrequest calls this server's API, not another host.");
        var client = services.Clients.CreateClient(SubrequestClient.Name);
        using var request = new HttpRequestMessage(new HttpMethod(subrequest.Method), target);
        foreach (var header in new[] { "Authorization", "X-Api-Key" })
        {
            if (http.Request.Headers.TryGetValue(header, out var values))
                request.Headers.TryAddWithoutValidation(header, values.ToArray());
        }
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request, _stopping);
        var text = await response.Content.ReadAsStringAsync(_stopping);
        JsonNode? answer = null;
        try
        {
            answer = text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            answer = JsonValue.Create(text);
        }
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
            return new CompositeResult(subrequest.ReferenceId, true, status, answer, []);
        var code = answer is JsonObject problem && problem["code"] is JsonValue c && c.TryGetValue<string>(out var codeText)
            ? codeText.ToUpperInvariant().Replace('-', '_')
            : status == 404 ? CompositeCodes.NotFound : $"HTTP_{status}";
        var message = answer is JsonObject p && p["detail"] is JsonValue d && d.TryGetValue<string>(out var detail) ? detail
            : status == 404 ? "The requested resource does not exist" : $"{subrequest.Method} {url} answered {status}.";
        return CompositeResult.Failure(subrequest.ReferenceId, status, code, message);
    }

    private static Uri Loopback(IServer server)
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://127.0.0.1:5000";
        var uri = new Uri(address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal));
        return new Uri($"{uri.Scheme}://{uri.Host}:{uri.Port}");
    }

    /// <summary>A processed call: 200 with one result per subrequest, as JSON that an Idempotency-Key can replay.</summary>
    private JsonAnswer Answer(long runId, IReadOnlyList<CompositeResult> results) =>
        new(StatusCodes.Status200OK, JsonSerializer.Serialize(new CompositeAnswer(results.Any(result => !result.Success), runId, results), services.Json.Value.SerializerOptions));
}
