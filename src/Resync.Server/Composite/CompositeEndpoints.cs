using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Resync.Connectors.Push;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Storage;
using Resync.Server.Api;
using Resync.Server.Auth;
using Resync.Server.Links;
using Resync.Server.Runs;

namespace Resync.Server.Composite;

/// <summary>
/// The composite API (Salesforce's composite resources on Resync): <c>POST /api/v1/composite/batch</c>,
/// <c>/composite/tree/{linkId}</c> and <c>/composite</c>. A record operation is <c>POST /api/v1/links/{linkId}/records</c>
/// with one record as body, written through the link's steps and target; any other <c>/api/v1/…</c> URL is called on
/// this server with the caller's key. See docs/server.md, "Composite API".
/// </summary>
internal static partial class CompositeEndpoints
{
    private static readonly HashSet<string> Methods = new(StringComparer.Ordinal) { "GET", "POST", "PUT", "PATCH", "DELETE" };
    private const string RolledBackMessage = "The transaction was rolled back since another operation in the same transaction failed.";

    public static RouteGroupBuilder MapComposite(this RouteGroupBuilder api)
    {
        api.MapPost("/composite/batch", BatchAsync).WithTags("Composite").WithName("CompositeBatch").Produces<CompositeAnswer>(200).Produces<IReadOnlyList<CompositeError>>(400);
        api.MapPost("/composite/tree/{linkId}", TreeAsync).WithTags("Composite").WithName("CompositeTree").Produces<CompositeAnswer>(200).Produces<IReadOnlyList<CompositeError>>(400);
        api.MapPost("/composite", CompositeAsync).WithTags("Composite").WithName("Composite").Produces<CompositeAnswer>(200).Produces<IReadOnlyList<CompositeError>>(400);
        return api;
    }

    private sealed class Context(HttpContext http, IServiceProvider services)
    {
        public HttpContext Http { get; } = http;
        public LinkRegistry Links { get; } = services.GetRequiredService<LinkRegistry>();
        public IServerStore Store { get; } = services.GetRequiredService<IServerStore>();
        public IServer Server { get; } = services.GetRequiredService<IServer>();
        public IHttpClientFactory Clients { get; } = services.GetRequiredService<IHttpClientFactory>();
        public TimeProvider Clock { get; } = services.GetRequiredService<TimeProvider>();
        public RunLauncher Launcher { get; } = services.GetRequiredService<RunLauncher>();
        public IRunQueries Queries { get; } = services.GetRequiredService<IRunQueries>();
        public IdempotencyGate Idempotency { get; } = services.GetRequiredService<IdempotencyGate>();
        public SubrequestRoutes Routes { get; } = services.GetRequiredService<SubrequestRoutes>();
        public JsonSerializerOptions Json { get; } = services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        public string RequestId { get; } = http.Request.Headers[RequestIds.Header].ToString();

        /// <summary>The call's run, once it carries out the subrequests.</summary>
        public long RunId { get; set; }

        /// <summary>The run's token: a client going away does not stop the call (its run shows what was done either way).</summary>
        public CancellationToken Stopping { get; set; }
    }

    /// <summary>Carries out the subrequests as the records of the call's one run (see <see cref="CompositeRun"/>), then answers.</summary>
    private static async Task<IResult> RunAsync(Context context, IReadOnlyList<CompositeSubrequest> subrequests, Func<Task<IReadOnlyList<CompositeResult>>> work)
    {
        var caller = context.Http.Caller();
        var (runId, results) = await new CompositeRun(context.Launcher).RunAsync(caller.Tenant ?? Tenants.Default, subrequests, context.RequestId,
            (runId, token) =>
            {
                context.RunId = runId;
                context.Stopping = token;
                return work();
            });
        return Answer(context, runId, results);
    }

    // ---- batch ----

    private static async Task<IResult> BatchAsync(HttpContext http, IServiceProvider services, ServerOptions options, SubrequestRoutes routes)
    {
        var (root, body, bad) = await ReadAsync(http, options);
        if (bad is not null)
            return bad;
        var errors = new List<CompositeError>();
        var halt = Flag(root!, "haltOnError", errors);
        var subrequests = Subrequests(root!, "batchRequests", requireReferenceId: false, routes, errors);
        if (errors.Count > 0)
            return Malformed(errors);
        var context = new Context(http, services);
        return await context.Idempotency.RunAsync(http, body, () => RunAsync(context, subrequests, async () =>
        {
            var results = new List<CompositeResult>();
            var halted = false;
            foreach (var subrequest in subrequests)
            {
                if (halted)
                {
                    results.Add(Failure(null, 412, CompositeCodes.BatchProcessingHalted, "Batch processing halted: an earlier subrequest failed and haltOnError is true."));
                    continue;
                }
                var result = await ExecuteAsync(context, subrequest, subrequest.Url, subrequest.Body);
                results.Add(result);
                halted = halt && !result.Success;
            }
            return results;
        }));
    }

    // ---- composite ----

    private static async Task<IResult> CompositeAsync(HttpContext http, IServiceProvider services, ServerOptions options, SubrequestRoutes routes)
    {
        var (root, body, bad) = await ReadAsync(http, options);
        if (bad is not null)
            return bad;
        var errors = new List<CompositeError>();
        var allOrNone = Flag(root!, "allOrNone", errors);
        var subrequests = Subrequests(root!, "compositeRequest", requireReferenceId: true, routes, errors);
        if (errors.Count == 0)
            CheckReferences(subrequests, errors);
        if (allOrNone && errors.Count == 0)
            CheckAllOrNone(subrequests, routes, errors);
        if (errors.Count > 0)
            return Malformed(errors);
        var context = new Context(http, services);
        if (allOrNone && context.Links.Find(RecordOperationOf(routes, subrequests[0].Method, subrequests[0].Url)!.LinkId!) is { } entry && http.Caller().Sees(entry.Tenant)
            && !TransactionalTargets.IsTransactional(entry.Document))
            return Malformed([NotTransactional(entry.Id)]);
        return await context.Idempotency.RunAsync(http, body, () => RunAsync(context, subrequests,
            () => allOrNone ? AllOrNoneAsync(context, subrequests) : DependentAsync(context, subrequests)));
    }

    private static async Task<IReadOnlyList<CompositeResult>> DependentAsync(Context context, IReadOnlyList<CompositeSubrequest> subrequests)
    {
        var done = new Dictionary<string, CompositeResult>(StringComparer.Ordinal);
        var results = new List<CompositeResult>();
        foreach (var subrequest in subrequests)
        {
            var refs = References(subrequest).Select(reference => reference.Id).Distinct().ToList();
            CompositeResult result;
            if (refs.FirstOrDefault(id => !done[id].Success) is { } failed)
                result = Failure(subrequest.ReferenceId, 424, CompositeCodes.ProcessingHalted, $"Not executed: it refers to '{failed}', which failed.");
            else if (!TryResolve(subrequest, id => done[id].Body, out var url, out var body, out var problem))
                result = Failure(subrequest.ReferenceId, 400, CompositeCodes.InvalidReference, problem!);
            else
                result = await ExecuteAsync(context, subrequest, url!, body);
            done[subrequest.ReferenceId!] = result;
            results.Add(result);
        }
        return results;
    }

    /// <summary>allOrNone is one transaction: every subrequest a record operation on one link (its target is checked once the link is found).</summary>
    private static void CheckAllOrNone(IReadOnlyList<CompositeSubrequest> subrequests, SubrequestRoutes routes, List<CompositeError> errors)
    {
        var linkIds = subrequests.Select(subrequest => RecordOperationOf(routes, subrequest.Method, subrequest.Url)?.LinkId).ToList();
        if (linkIds.Any(id => id is null) || linkIds.Distinct(StringComparer.Ordinal).Count() != 1)
            errors.Add(new CompositeError(CompositeCodes.AllOrNoneUnsupported,
                "allOrNone is done in one transaction: every subrequest must be a record operation (POST /api/v1/links/{linkId}/records, or PATCH or PUT …/records/{key}) on one link.", []));
    }

    private static async Task<IReadOnlyList<CompositeResult>> AllOrNoneAsync(Context context, IReadOnlyList<CompositeSubrequest> subrequests)
    {
        var (entry, source, refused) = await FindPushLinkAsync(context, RecordOperationOf(context.Routes, subrequests[0].Method, subrequests[0].Url)!.LinkId!);
        if (refused is not null)
            return [.. subrequests.Select(subrequest => refused with { ReferenceId = subrequest.ReferenceId })];

        // Ids are planned before the write (the key field, or a new id), so references resolve before the one transaction.
        var planned = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var records = new List<Record>();
        var early = new CompositeResult?[subrequests.Count];
        foreach (var subrequest in subrequests)
        {
            if (!TryResolve(subrequest, id => planned[id], out var url, out var body, out var problem))
            {
                early[subrequest.Index] = Failure(subrequest.ReferenceId, 400, CompositeCodes.InvalidReference, problem!);
                continue;
            }
            var (record, refusal) = ToRecord(subrequest, body, source!.KeyField, RecordOperationOf(context.Routes, subrequest.Method, url!)?.Key);
            early[subrequest.Index] = refusal;
            if (record is not null)
            {
                planned[subrequest.ReferenceId!] = new JsonObject { ["id"] = record.Key };
                records.Add(record);
            }
        }
        if (early.Any(result => result is not null))
            return [.. subrequests.Select(subrequest => early[subrequest.Index] ?? Failure(subrequest.ReferenceId, 400, CompositeCodes.ProcessingHalted, RolledBackMessage))];

        var outcomes = await WriteAsync(context, entry!, records, allOrNone: true);
        var allWritten = outcomes.All(outcome => outcome.Succeeded);
        return [.. subrequests.Select((subrequest, i) => allWritten
            ? Written(subrequest, records[i])
            : outcomes[i].Succeeded || outcomes[i].RolledBack
                ? Failure(subrequest.ReferenceId, 400, CompositeCodes.ProcessingHalted, RolledBackMessage)
                : Refused(subrequest.ReferenceId, outcomes[i]))];
    }

    /// <summary>Writes records of a composite call through a link's steps and target, as records of the call's run (not as a run of that link).</summary>
    private static async Task<IReadOnlyList<CompositeRecordOutcome>> WriteAsync(Context context, LinkEntry entry, IReadOnlyList<Record> records, bool allOrNone)
    {
        var link = allOrNone ? entry.Link.With(target: new AllOrNoneTarget(entry.Link.Target, records.Count)) : entry.Link;
        var (result, _) = await LinkBatch.ProcessAsync(link, context.RunId, records, context.Clock, context.Stopping);
        var outcomes = new CompositeRecordOutcome[records.Count];
        foreach (var kept in result.Outcomes)
            outcomes[kept.Position] = CompositeRecordOutcome.Of(kept);
        for (var i = 0; i < outcomes.Length; i++)
            outcomes[i] ??= CompositeRecordOutcome.Written;
        return outcomes;
    }

    // ---- tree ----

    private static async Task<IResult> TreeAsync(HttpContext http, string linkId, IServiceProvider services, ServerOptions options)
    {
        // The link is in the path: an unknown or foreign link is a 404 problem before anything else, as on every route with an id.
        var context = new Context(http, services);
        var (entry, source, refused) = await FindPushLinkAsync(context, linkId);
        if (refused is not null)
            return refused.StatusCode == 404 ? Problems.NotFound("link", linkId) : Problems.Conflict(refused.Errors[0].ErrorCode.ToLowerInvariant().Replace('_', '-'), refused.Errors[0].Message);
        var (root, body, bad) = await ReadAsync(http, options);
        if (bad is not null)
            return bad;
        var errors = new List<CompositeError>();
        var nodes = new List<(string ReferenceId, JsonObject Fields, string? ParentReference, string? ParentField)>();
        if (root!["records"] is not JsonArray top)
            errors.Add(new CompositeError(CompositeCodes.JsonParserError, "'records' is a required field (an array of records).", []));
        else
            Flatten(top, null, null, nodes, errors);
        if (errors.Count == 0 && nodes.Count > CompositeCodes.MaxTreeRecords)
            errors.Add(new CompositeError(CompositeCodes.LimitExceeded, $"A tree holds at most {CompositeCodes.MaxTreeRecords} records; found {nodes.Count}.", []));
        if (errors.Count == 0 && nodes.Count == 0)
            errors.Add(new CompositeError(CompositeCodes.JsonParserError, "The tree holds no records.", []));
        foreach (var duplicate in nodes.GroupBy(node => node.ReferenceId, StringComparer.Ordinal).Where(group => group.Count() > 1))
            errors.Add(new CompositeError(CompositeCodes.DuplicateReferenceId, $"The referenceId '{duplicate.Key}' is used more than once.", []));
        if (errors.Count > 0)
            return Malformed(errors);
        if (!TransactionalTargets.IsTransactional(entry!.Document))
            return Malformed([NotTransactional(entry.Id)]);

        var ids = new Dictionary<string, string?>(StringComparer.Ordinal);
        var records = new List<Record>();
        foreach (var (referenceId, fields, parent, parentField) in nodes)
        {
            if (parent is not null)
                fields[parentField!] = ids[parent];
            var record = ToRecord(fields, source!.KeyField);
            ids[referenceId] = record.Key;
            records.Add(record);
        }
        return await context.Idempotency.RunAsync(http, body, async () =>
        {
            // A tree is a push of its records to the link: one run of that link, one batch, one transaction.
            var (runId, outcomes) = await new CompositeRecordWriter(context.Launcher, context.Queries).WriteAllOrNoneAsync(entry, source!, records, context.RequestId);
            if (outcomes.All(outcome => outcome.Succeeded))
                return Answer(context, runId, [.. nodes.Select((node, i) => Created(node.ReferenceId, records[i]))]);
            // As Salesforce: on failure, the records that failed on their own (the others were only rolled back with them).
            var culprits = nodes.Select((node, i) => (node, outcome: outcomes[i])).Where(pair => !pair.outcome.Succeeded && !pair.outcome.RolledBack).ToList();
            if (culprits.Count == 0)
                culprits = [.. nodes.Select((node, i) => (node, outcome: outcomes[i])).Where(pair => !pair.outcome.Succeeded)];
            return Answer(context, runId, [.. culprits.Select(pair => Refused(pair.node.ReferenceId, pair.outcome))]);
        });
    }

    private static void Flatten(JsonArray records, string? parent, string? parentField, List<(string, JsonObject, string?, string?)> nodes, List<CompositeError> errors)
    {
        foreach (var item in records)
        {
            if (item is not JsonObject record)
            {
                errors.Add(new CompositeError(CompositeCodes.JsonParserError, "Each tree record is a JSON object.", []));
                continue;
            }
            var referenceId = (record["attributes"] as JsonObject)?["referenceId"] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;
            if (referenceId is null)
            {
                errors.Add(new CompositeError(CompositeCodes.JsonParserError, "'referenceId' is a required field (in each record's 'attributes').", []));
                continue;
            }
            var fields = new JsonObject();
            var children = new List<(JsonArray Records, string Field)>();
            foreach (var (name, fieldValue) in record)
            {
                if (name == "attributes")
                    continue;
                if (fieldValue is JsonObject nested && nested["records"] is JsonArray childRecords)
                {
                    if (nested["parentField"] is JsonValue field && field.TryGetValue<string>(out var fieldName) && fieldName.Length > 0)
                        children.Add((childRecords, fieldName));
                    else
                        errors.Add(new CompositeError(CompositeCodes.JsonParserError, $"'{name}' of '{referenceId}' holds child records: 'parentField' (the child field that gets the parent's id) is a required field.", []));
                    continue;
                }
                fields[name] = fieldValue?.DeepClone();
            }
            nodes.Add((referenceId, fields, parent, parentField));
            foreach (var (childRecords, field) in children)
                Flatten(childRecords, referenceId, field, nodes, errors);
        }
    }

    // ---- executing one subrequest ----

    private static async Task<CompositeResult> ExecuteAsync(Context context, CompositeSubrequest subrequest, string url, JsonNode? body)
    {
        // Matched again once references are resolved: a resolved value is one escaped segment, and is checked like the rest.
        var match = context.Routes.Match(subrequest.Method, url);
        if (match.IsRecordOperation)
        {
            var (entry, source, refused) = await FindPushLinkAsync(context, match.LinkId!);
            if (refused is not null)
                return refused with { ReferenceId = subrequest.ReferenceId };
            var (record, refusal) = ToRecord(subrequest, body, source!.KeyField, match.Key);
            if (refusal is not null)
                return refusal;
            var outcome = (await WriteAsync(context, entry!, [record!], allOrNone: false))[0];
            return outcome.Succeeded ? Written(subrequest, record!) : Refused(subrequest.ReferenceId, outcome);
        }
        if (match.Kind == SubrequestKind.RecordsMethodNotAllowed)
            return Failure(subrequest.ReferenceId, 405, CompositeCodes.MethodNotAllowed,
                $"{subrequest.Method} {url}: a link's records take POST /api/v1/links/{{linkId}}/records (create) or PATCH or PUT /api/v1/links/{{linkId}}/records/{{key}} (write the record of that key).");
        if (match.Kind == SubrequestKind.Refused)
            return Failure(subrequest.ReferenceId, 400, CompositeCodes.InvalidUrl, match.Problem!);
        try
        {
            return await CallAsync(context, subrequest, match.Url, body);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !context.Stopping.IsCancellationRequested)
        {
            return Failure(subrequest.ReferenceId, 503, "SERVICE_UNAVAILABLE", $"{subrequest.Method} {url} got no answer: {exception.Message}");
        }
    }

    /// <summary>Any other API URL: called on this server over loopback with the caller's own credentials.</summary>
    private static async Task<CompositeResult> CallAsync(Context context, CompositeSubrequest subrequest, string url, JsonNode? body)
    {
        var server = Loopback(context.Server);
        var target = new Uri(server, url);
        if (!SubrequestClient.IsOnLoopback(target, server))
            return Failure(subrequest.ReferenceId, 400, CompositeCodes.InvalidUrl, $"{subrequest.Method} {url}: a subrequest calls this server's API, not another host.");
        var client = context.Clients.CreateClient(SubrequestClient.Name);
        using var request = new HttpRequestMessage(new HttpMethod(subrequest.Method), target);
        foreach (var header in new[] { "Authorization", "X-Api-Key" })
        {
            if (context.Http.Request.Headers.TryGetValue(header, out var values))
                request.Headers.TryAddWithoutValidation(header, values.ToArray());
        }
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request, context.Stopping);
        var text = await response.Content.ReadAsStringAsync(context.Stopping);
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
        return Failure(subrequest.ReferenceId, status, code, message);
    }

    private static Uri Loopback(IServer server)
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://127.0.0.1:5000";
        var uri = new Uri(address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal));
        return new Uri($"{uri.Scheme}://{uri.Host}:{uri.Port}");
    }

    private static async Task<(LinkEntry? Entry, PushSource? Source, CompositeResult? Refused)> FindPushLinkAsync(Context context, string linkId)
    {
        if (context.Links.Find(linkId) is not { } entry || !context.Http.Caller().Sees(entry.Tenant))
            return (null, null, Failure(null, 404, CompositeCodes.NotFound, $"There is no link '{linkId}'."));
        if (entry.Link.Source is not PushSource source)
            return (null, null, Failure(null, 409, "PUSH_NOT_ENABLED", $"Link '{linkId}' does not take pushes: give it 'source: {{type: push}}'."));
        if (await context.Store.GetLinkStateAsync(linkId, CancellationToken.None) is { IsActive: false } state)
            return (null, null, Failure(null, 409, "LINK_DEACTIVATED", $"Link '{linkId}' is deactivated ({state.Reason ?? "no reason given"}); activate it to accept records."));
        return (entry, source, null);
    }

    private static CompositeError NotTransactional(string linkId) => new(CompositeCodes.AllOrNoneUnsupported,
        $"All-or-none needs a transactional target: link '{linkId}' must write to a sqlite or postgres target with 'transactional: true'.", []);

    /// <summary>The record operation a subrequest is (create, or write by key), or null.</summary>
    private static SubrequestMatch? RecordOperationOf(SubrequestRoutes routes, string method, string url) =>
        routes.Match(method, url) is { IsRecordOperation: true } match ? match : null;

    /// <summary>The record a record operation writes: its body, keyed by the URL's key, or by its key field, or by a new id.</summary>
    private static (Record? Record, CompositeResult? Refused) ToRecord(CompositeSubrequest subrequest, JsonNode? body, string keyField, string? key)
    {
        if (body is not JsonObject fields)
            return (null, Failure(subrequest.ReferenceId, 400, CompositeCodes.JsonParserError, "A record operation's body is one record (a JSON object)."));
        if (key is not null && fields[keyField] is JsonValue given && given.ToString() != key)
            return (null, Failure(subrequest.ReferenceId, 400, CompositeCodes.JsonParserError,
                $"The body's '{keyField}' ('{given}') is not the key in the URL ('{key}'): leave it out or make them equal."));
        return (ToRecord(fields, keyField, key), null);
    }

    private static Record ToRecord(JsonObject fields, string keyField, string? urlKey = null)
    {
        if (urlKey is not null)
            fields[keyField] = urlKey;
        else if (fields[keyField] is null)
            fields[keyField] = Guid.NewGuid().ToString("N");
        using var document = JsonDocument.Parse(fields.ToJsonString());
        var values = RecordJson.ToFields(document.RootElement);
        var key = values.TryGetValue(keyField, out var value) && value is not null ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;
        return new Record(key, values);
    }

    // ---- parsing and references ----

    private static async Task<(JsonObject? Root, ReadOnlyMemory<byte> Body, IResult? Bad)> ReadAsync(HttpContext http, ServerOptions options)
    {
        if (!RequestBody.IsJson(http.Request))
            return (null, default, Problems.UnsupportedMediaType("application/json", http.Request.ContentType));
        var (body, tooLarge) = await RequestBody.ReadAsync(http.Request, options.MaxBodyBytes);
        if (tooLarge is not null)
            return (null, default, tooLarge);
        try
        {
            // Duplicate names are refused here: a JsonObject holding two would throw (a 500) when first read.
            if (JsonNode.Parse(body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false }) is JsonObject root)
                return (root, body, null);
            return (null, default, Malformed([new CompositeError(CompositeCodes.JsonParserError, "The body is a JSON object.", [])]));
        }
        catch (JsonException exception)
        {
            return (null, default, Malformed([new CompositeError(CompositeCodes.JsonParserError, $"The body is not valid JSON: {exception.Message}", [])]));
        }
    }

    private static bool Flag(JsonObject root, string name, List<CompositeError> errors)
    {
        switch (root[name])
        {
            case null:
                return false;
            case JsonValue value when value.TryGetValue<bool>(out var flag):
                return flag;
            case JsonValue value when value.TryGetValue<string>(out var text) && bool.TryParse(text, out var parsed):
                return parsed;
            default:
                errors.Add(new CompositeError(CompositeCodes.JsonParserError, $"'{name}' is true or false.", []));
                return false;
        }
    }

    private static List<CompositeSubrequest> Subrequests(JsonObject root, string name, bool requireReferenceId, SubrequestRoutes routes, List<CompositeError> errors)
    {
        var list = new List<CompositeSubrequest>();
        if (root[name] is not JsonArray items || items.Count == 0)
        {
            errors.Add(new CompositeError(CompositeCodes.JsonParserError, $"'{name}' is a required field (an array of subrequests).", []));
            return list;
        }
        if (items.Count > CompositeCodes.MaxSubrequests)
        {
            errors.Add(new CompositeError(CompositeCodes.LimitExceeded, $"A call holds at most {CompositeCodes.MaxSubrequests} subrequests; found {items.Count}.", []));
            return list;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not JsonObject item)
            {
                errors.Add(new CompositeError(CompositeCodes.JsonParserError, $"Subrequest {i + 1} is not a JSON object.", []));
                continue;
            }
            var method = Text(item, "method");
            var url = Text(item, "url");
            var referenceId = Text(item, "referenceId");
            if (method is null)
                errors.Add(new CompositeError(CompositeCodes.JsonParserError, "'method' is a required field.", []));
            else if (!Methods.Contains(method.ToUpperInvariant()))
                errors.Add(new CompositeError(CompositeCodes.MethodNotAllowed, $"'{method}' is not a supported method (GET, POST, PUT, PATCH, DELETE).", []));
            if (url is null)
                errors.Add(new CompositeError(CompositeCodes.JsonParserError, "'url' is a required field.", []));
            // References are resolved later; here each stands for one plain segment (resolved values are escaped into one).
            else if (method is not null && Methods.Contains(method.ToUpperInvariant())
                && routes.Match(method.ToUpperInvariant(), ReferencePattern().Replace(url, "ref")) is { Kind: SubrequestKind.Refused } refused)
                errors.Add(new CompositeError(CompositeCodes.InvalidUrl, $"Subrequest {i + 1}: {refused.Problem}", ["url"]));
            if (requireReferenceId && referenceId is null)
                errors.Add(new CompositeError(CompositeCodes.JsonParserError, "'referenceId' is a required field.", []));
            else if (referenceId is not null && !ReferenceIdPattern().IsMatch(referenceId))
                errors.Add(new CompositeError(CompositeCodes.JsonParserError, $"'{referenceId}' is not a valid referenceId (letters, digits and _).", []));
            else if (referenceId is not null && !seen.Add(referenceId))
                errors.Add(new CompositeError(CompositeCodes.DuplicateReferenceId, $"The referenceId '{referenceId}' is used more than once.", []));
            if (method is not null && url is not null)
                list.Add(new CompositeSubrequest(i, method.ToUpperInvariant(), url, item["body"]?.DeepClone(), referenceId));
        }
        return list;
    }

    private static string? Text(JsonObject item, string name) => item[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;

    private static IEnumerable<(string Id, string Path)> References(CompositeSubrequest subrequest) =>
        ReferencePattern().Matches(subrequest.Url + "\n" + (subrequest.Body?.ToJsonString() ?? "")).Select(match => (match.Groups[1].Value, match.Groups[2].Value));

    private static void CheckReferences(IReadOnlyList<CompositeSubrequest> subrequests, List<CompositeError> errors)
    {
        var byId = subrequests.ToDictionary(subrequest => subrequest.ReferenceId!, StringComparer.Ordinal);
        foreach (var subrequest in subrequests)
        {
            foreach (var id in References(subrequest).Select(reference => reference.Id).Distinct(StringComparer.Ordinal))
            {
                if (!byId.TryGetValue(id, out var target))
                    errors.Add(new CompositeError(CompositeCodes.InvalidReference, $"'{subrequest.ReferenceId}' refers to '{id}', which is no referenceId of this call.", []));
                else if (target.Index >= subrequest.Index)
                    errors.Add(new CompositeError(CompositeCodes.InvalidReference, Reaches(target, subrequest.ReferenceId!, byId, [])
                        ? $"'{subrequest.ReferenceId}' and '{id}' refer to each other (a cycle): a subrequest refers only to earlier ones."
                        : $"'{subrequest.ReferenceId}' refers to '{id}', which comes later: a subrequest refers only to earlier ones.", []));
            }
        }
    }

    private static bool Reaches(CompositeSubrequest from, string goal, Dictionary<string, CompositeSubrequest> byId, HashSet<string> visited)
    {
        if (!visited.Add(from.ReferenceId!))
            return false;
        foreach (var id in References(from).Select(reference => reference.Id))
        {
            if (id == goal || (byId.TryGetValue(id, out var next) && Reaches(next, goal, byId, visited)))
                return true;
        }
        return false;
    }

    /// <summary>Replaces each <c>@{ref.path}</c> in the URL and body; a string that is one reference takes the value's JSON type.</summary>
    private static bool TryResolve(CompositeSubrequest subrequest, Func<string, JsonNode?> bodyOf, out string? url, out JsonNode? body, out string? problem)
    {
        string? failure = null;
        JsonNode? Lookup(string id, string path)
        {
            var node = bodyOf(id);
            foreach (var part in path.Split('.'))
            {
                node = node switch
                {
                    JsonObject obj => obj[part],
                    JsonArray array when int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < array.Count => array[i],
                    _ => null,
                };
                if (node is null)
                {
                    failure ??= $"'@{{{id}.{path}}}' names nothing in the result of '{id}'.";
                    return null;
                }
            }
            return node;
        }
        string Replace(string text, bool escape = false) => ReferencePattern().Replace(text, match => Lookup(match.Groups[1].Value, match.Groups[2].Value) is { } node
            ? (node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString()) is var value && escape ? Uri.EscapeDataString(value) : value
            : "");
        JsonNode? Walk(JsonNode? node) => node switch
        {
            JsonObject obj => new JsonObject(obj.Select(pair => KeyValuePair.Create(pair.Key, Walk(pair.Value)))),
            JsonArray array => new JsonArray([.. array.Select(Walk)]),
            JsonValue value when value.TryGetValue<string>(out var text) => ReferencePattern().Match(text) is { Success: true } whole && whole.Length == text.Length
                ? Lookup(whole.Groups[1].Value, whole.Groups[2].Value)?.DeepClone()
                : JsonValue.Create(Replace(text)),
            _ => node?.DeepClone(),
        };
        url = Replace(subrequest.Url, escape: true);
        body = Walk(subrequest.Body);
        problem = failure;
        return failure is null;
    }

    // ---- answers ----

    private static CompositeResult Failure(string? referenceId, int status, string code, string message) =>
        new(referenceId, false, status, null, [new CompositeError(code, message, [])]);

    private static IResult Malformed(IReadOnlyList<CompositeError> errors) => TypedResults.BadRequest(errors);

    private static CompositeResult Created(string? referenceId, Record record) => new(referenceId, true, 201, new JsonObject { ["id"] = record.Key }, []);

    /// <summary>A written record operation: 201 for a create, 200 for a write by key.</summary>
    private static CompositeResult Written(CompositeSubrequest subrequest, Record record) =>
        subrequest.Method == "POST" ? Created(subrequest.ReferenceId, record) : Created(subrequest.ReferenceId, record) with { StatusCode = 200 };

    private static CompositeResult Refused(string? referenceId, CompositeRecordOutcome outcome) => new(referenceId, false, 400, null, [outcome.Error!], outcome.Cause);

    /// <summary>A processed call: 200 with one result per subrequest, as JSON that an Idempotency-Key can replay.</summary>
    private static JsonAnswer Answer(Context context, long runId, IReadOnlyList<CompositeResult> results) =>
        new(StatusCodes.Status200OK, JsonSerializer.Serialize(new CompositeAnswer(results.Any(result => !result.Success), runId, results), context.Json));

    [GeneratedRegex(@"@\{([A-Za-z0-9_]+)\.([A-Za-z0-9_.]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex ReferencePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ReferenceIdPattern();
}
