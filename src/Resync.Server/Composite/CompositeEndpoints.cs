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

    private sealed record Subrequest(int Index, string Method, string Url, JsonNode? Body, string? ReferenceId);

    private sealed class Context(HttpContext http, LinkRegistry links, CompositeRecordWriter writer, IServer server, JsonSerializerOptions json)
    {
        public HttpContext Http { get; } = http;
        public LinkRegistry Links { get; } = links;
        public CompositeRecordWriter Writer { get; } = writer;
        public IServer Server { get; } = server;
        public JsonSerializerOptions Json { get; } = json;
        public List<long> RunIds { get; } = [];
        public string RequestId { get; } = http.Request.Headers["X-Request-Id"].FirstOrDefault() is { Length: > 0 and <= 200 } id ? id : $"composite-{Guid.NewGuid():N}";
    }

    private static Context ContextOf(HttpContext http, IServiceProvider services) => new(http, services.GetRequiredService<LinkRegistry>(),
        new CompositeRecordWriter(services.GetRequiredService<RunLauncher>(), services.GetRequiredService<IRunQueries>()), services.GetRequiredService<IServer>(),
        services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions);

    // ---- batch ----

    private static async Task<IResult> BatchAsync(HttpContext http, IServiceProvider services, ServerOptions options)
    {
        var (root, bad) = await ReadAsync(http, options);
        if (bad is not null)
            return bad;
        var errors = new List<CompositeError>();
        var halt = Flag(root!, "haltOnError", errors);
        var subrequests = Subrequests(root!, "batchRequests", requireReferenceId: false, errors);
        if (errors.Count > 0)
            return Malformed(errors);
        var context = ContextOf(http, services);
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
        return Answer(context, results);
    }

    // ---- composite ----

    private static async Task<IResult> CompositeAsync(HttpContext http, IServiceProvider services, ServerOptions options)
    {
        var (root, bad) = await ReadAsync(http, options);
        if (bad is not null)
            return bad;
        var errors = new List<CompositeError>();
        var allOrNone = Flag(root!, "allOrNone", errors);
        var subrequests = Subrequests(root!, "compositeRequest", requireReferenceId: true, errors);
        if (errors.Count == 0)
            CheckReferences(subrequests, errors);
        if (errors.Count > 0)
            return Malformed(errors);
        var context = ContextOf(http, services);
        return allOrNone ? await AllOrNoneAsync(context, subrequests) : await DependentAsync(context, subrequests);
    }

    private static async Task<IResult> DependentAsync(Context context, IReadOnlyList<Subrequest> subrequests)
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
        return Answer(context, results);
    }

    private static async Task<IResult> AllOrNoneAsync(Context context, IReadOnlyList<Subrequest> subrequests)
    {
        var linkIds = subrequests.Select(subrequest => RecordOperationLink(subrequest.Method, subrequest.Url)).ToList();
        if (linkIds.Any(id => id is null) || linkIds.Distinct(StringComparer.Ordinal).Count() != 1)
            return Malformed([new CompositeError(CompositeCodes.AllOrNoneUnsupported,
                "allOrNone is done in one transaction: every subrequest must be a record operation (POST /api/v1/links/{linkId}/records) on one link.", [])]);
        var (entry, source, refused) = FindPushLink(context, linkIds[0]!);
        if (refused is not null)
            return Answer(context, [.. subrequests.Select(subrequest => refused with { ReferenceId = subrequest.ReferenceId })]);
        if (!TransactionalTargets.IsTransactional(entry!.Document))
            return Malformed([NotTransactional(entry.Id)]);

        // Ids are planned before the write (the key field, or a new id), so references resolve before the one transaction.
        var planned = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var records = new List<Record>();
        var early = new CompositeResult?[subrequests.Count];
        foreach (var subrequest in subrequests)
        {
            if (!TryResolve(subrequest, id => planned[id], out _, out var body, out var problem))
                early[subrequest.Index] = Failure(subrequest.ReferenceId, 400, CompositeCodes.InvalidReference, problem!);
            else if (body is not JsonObject fields)
                early[subrequest.Index] = Failure(subrequest.ReferenceId, 400, CompositeCodes.JsonParserError, "A record operation's body is one record (a JSON object).");
            else
            {
                var record = ToRecord(fields, source!.KeyField);
                planned[subrequest.ReferenceId!] = new JsonObject { ["id"] = record.Key };
                records.Add(record);
            }
        }
        if (early.Any(result => result is not null))
            return Answer(context, [.. subrequests.Select(subrequest => early[subrequest.Index] ?? Failure(subrequest.ReferenceId, 400, CompositeCodes.ProcessingHalted, RolledBackMessage))]);

        var (runId, outcomes) = await context.Writer.WriteAsync(entry, source!, records, allOrNone: true, context.RequestId);
        context.RunIds.Add(runId);
        var allWritten = outcomes.All(outcome => outcome.Succeeded);
        return Answer(context, [.. subrequests.Select((subrequest, i) => allWritten
            ? new CompositeResult(subrequest.ReferenceId, true, 201, new JsonObject { ["id"] = records[i].Key }, [])
            : outcomes[i].Succeeded || outcomes[i].RolledBack
                ? Failure(subrequest.ReferenceId, 400, CompositeCodes.ProcessingHalted, RolledBackMessage)
                : new CompositeResult(subrequest.ReferenceId, false, 400, null, [outcomes[i].Error!]))]);
    }

    // ---- tree ----

    private static async Task<IResult> TreeAsync(HttpContext http, string linkId, IServiceProvider services, ServerOptions options)
    {
        // The link is in the path: an unknown or foreign link is a 404 problem before anything else, as on every route with an id.
        var context = ContextOf(http, services);
        var (entry, source, refused) = FindPushLink(context, linkId);
        if (refused is not null)
            return refused.StatusCode == 404 ? Problems.NotFound("link", linkId) : Problems.Conflict("push-not-enabled", refused.Errors[0].Message);
        var (root, bad) = await ReadAsync(http, options);
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
        var (runId, outcomes) = await context.Writer.WriteAsync(entry, source!, records, allOrNone: true, context.RequestId);
        context.RunIds.Add(runId);
        if (outcomes.All(outcome => outcome.Succeeded))
            return Answer(context, [.. nodes.Select((node, i) => new CompositeResult(node.ReferenceId, true, 201, new JsonObject { ["id"] = records[i].Key }, []))]);
        // As Salesforce: on failure, the records that failed on their own (the others were only rolled back with them).
        var culprits = nodes.Select((node, i) => (node, outcome: outcomes[i])).Where(pair => !pair.outcome.Succeeded && !pair.outcome.RolledBack).ToList();
        if (culprits.Count == 0)
            culprits = [.. nodes.Select((node, i) => (node, outcome: outcomes[i])).Where(pair => !pair.outcome.Succeeded)];
        return Answer(context, [.. culprits.Select(pair => new CompositeResult(pair.node.ReferenceId, false, 400, null, [pair.outcome.Error!]))]);
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

    private static async Task<CompositeResult> ExecuteAsync(Context context, Subrequest subrequest, string url, JsonNode? body)
    {
        if (RecordOperationLink(subrequest.Method, url) is { } linkId)
        {
            var (entry, source, refused) = FindPushLink(context, linkId);
            if (refused is not null)
                return refused with { ReferenceId = subrequest.ReferenceId };
            if (body is not JsonObject fields)
                return Failure(subrequest.ReferenceId, 400, CompositeCodes.JsonParserError, "A record operation's body is one record (a JSON object).");
            var record = ToRecord(fields, source!.KeyField);
            var (runId, outcomes) = await context.Writer.WriteAsync(entry!, source, [record], allOrNone: false, context.RequestId);
            context.RunIds.Add(runId);
            return outcomes[0].Succeeded
                ? new CompositeResult(subrequest.ReferenceId, true, 201, new JsonObject { ["id"] = record.Key }, [])
                : new CompositeResult(subrequest.ReferenceId, false, 400, null, [outcomes[0].Error!]);
        }
        if (!url.StartsWith("/api/v1/", StringComparison.Ordinal) || url.StartsWith("/api/v1/composite", StringComparison.OrdinalIgnoreCase) || url.Contains("..", StringComparison.Ordinal))
            return Failure(subrequest.ReferenceId, 404, CompositeCodes.NotFound, $"'{url}' is not a valid URL: subrequests call /api/v1/… resources (not the composite API itself).");
        return await CallAsync(context, subrequest, url, body);
    }

    /// <summary>Any other API URL: called on this server over loopback with the caller's own credentials.</summary>
    private static async Task<CompositeResult> CallAsync(Context context, Subrequest subrequest, string url, JsonNode? body)
    {
        using var client = new HttpClient { BaseAddress = Loopback(context.Server), Timeout = TimeSpan.FromSeconds(100) };
        using var request = new HttpRequestMessage(new HttpMethod(subrequest.Method), url);
        foreach (var header in new[] { "Authorization", "X-Api-Key" })
        {
            if (context.Http.Request.Headers.TryGetValue(header, out var values))
                request.Headers.TryAddWithoutValidation(header, values.ToArray());
        }
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request, context.Http.RequestAborted);
        var text = await response.Content.ReadAsStringAsync(context.Http.RequestAborted);
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

    private static (LinkEntry? Entry, PushSource? Source, CompositeResult? Refused) FindPushLink(Context context, string linkId)
    {
        if (context.Links.Find(linkId) is not { } entry || !context.Http.Caller().Sees(entry.Tenant))
            return (null, null, Failure(null, 404, CompositeCodes.NotFound, $"There is no link '{linkId}'."));
        if (entry.Link.Source is not PushSource source)
            return (null, null, Failure(null, 409, "PUSH_NOT_ENABLED", $"Link '{linkId}' does not take pushes: give it 'source: {{type: push}}'."));
        return (entry, source, null);
    }

    private static CompositeError NotTransactional(string linkId) => new(CompositeCodes.AllOrNoneUnsupported,
        $"All-or-none needs a transactional target: link '{linkId}' must write to a sqlite or postgres target with 'transactional: true'.", []);

    private static string? RecordOperationLink(string method, string url) =>
        method == "POST" && RecordsUrl().Match(url) is { Success: true } match ? Uri.UnescapeDataString(match.Groups[1].Value) : null;

    private static Record ToRecord(JsonObject fields, string keyField)
    {
        if (fields[keyField] is null)
            fields[keyField] = Guid.NewGuid().ToString("N");
        using var document = JsonDocument.Parse(fields.ToJsonString());
        var values = RecordJson.ToFields(document.RootElement);
        var key = values.TryGetValue(keyField, out var value) && value is not null ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;
        return new Record(key, values);
    }

    // ---- parsing and references ----

    private static async Task<(JsonObject? Root, IResult? Bad)> ReadAsync(HttpContext http, ServerOptions options)
    {
        if (!RequestBody.IsJson(http.Request))
            return (null, Problems.UnsupportedMediaType("application/json", http.Request.ContentType));
        var (body, tooLarge) = await RequestBody.ReadAsync(http.Request, options.MaxBodyBytes);
        if (tooLarge is not null)
            return (null, tooLarge);
        try
        {
            if (JsonNode.Parse(body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) is JsonObject root)
                return (root, null);
            return (null, Malformed([new CompositeError(CompositeCodes.JsonParserError, "The body is a JSON object.", [])]));
        }
        catch (JsonException exception)
        {
            return (null, Malformed([new CompositeError(CompositeCodes.JsonParserError, $"The body is not valid JSON: {exception.Message}", [])]));
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

    private static List<Subrequest> Subrequests(JsonObject root, string name, bool requireReferenceId, List<CompositeError> errors)
    {
        var list = new List<Subrequest>();
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
            if (requireReferenceId && referenceId is null)
                errors.Add(new CompositeError(CompositeCodes.JsonParserError, "'referenceId' is a required field.", []));
            else if (referenceId is not null && !ReferenceIdPattern().IsMatch(referenceId))
                errors.Add(new CompositeError(CompositeCodes.JsonParserError, $"'{referenceId}' is not a valid referenceId (letters, digits and _).", []));
            else if (referenceId is not null && !seen.Add(referenceId))
                errors.Add(new CompositeError(CompositeCodes.DuplicateReferenceId, $"The referenceId '{referenceId}' is used more than once.", []));
            if (method is not null && url is not null)
                list.Add(new Subrequest(i, method.ToUpperInvariant(), url, item["body"]?.DeepClone(), referenceId));
        }
        return list;
    }

    private static string? Text(JsonObject item, string name) => item[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;

    private static IEnumerable<(string Id, string Path)> References(Subrequest subrequest) =>
        ReferencePattern().Matches(subrequest.Url + "\n" + (subrequest.Body?.ToJsonString() ?? "")).Select(match => (match.Groups[1].Value, match.Groups[2].Value));

    private static void CheckReferences(IReadOnlyList<Subrequest> subrequests, List<CompositeError> errors)
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

    private static bool Reaches(Subrequest from, string goal, Dictionary<string, Subrequest> byId, HashSet<string> visited)
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
    private static bool TryResolve(Subrequest subrequest, Func<string, JsonNode?> bodyOf, out string? url, out JsonNode? body, out string? problem)
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
        string Replace(string text) => ReferencePattern().Replace(text, match =>
            Lookup(match.Groups[1].Value, match.Groups[2].Value) is { } node ? (node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString()) : "");
        JsonNode? Walk(JsonNode? node) => node switch
        {
            JsonObject obj => new JsonObject(obj.Select(pair => KeyValuePair.Create(pair.Key, Walk(pair.Value)))),
            JsonArray array => new JsonArray([.. array.Select(Walk)]),
            JsonValue value when value.TryGetValue<string>(out var text) => ReferencePattern().Match(text) is { Success: true } whole && whole.Length == text.Length
                ? Lookup(whole.Groups[1].Value, whole.Groups[2].Value)?.DeepClone()
                : JsonValue.Create(Replace(text)),
            _ => node?.DeepClone(),
        };
        url = Replace(subrequest.Url);
        body = Walk(subrequest.Body);
        problem = failure;
        return failure is null;
    }

    // ---- answers ----

    private static CompositeResult Failure(string? referenceId, int status, string code, string message) =>
        new(referenceId, false, status, null, [new CompositeError(code, message, [])]);

    private static IResult Malformed(IReadOnlyList<CompositeError> errors) => TypedResults.BadRequest(errors);

    private static IResult Answer(Context context, IReadOnlyList<CompositeResult> results) =>
        TypedResults.Ok(new CompositeAnswer(results.Any(result => !result.Success), context.RunIds, results));

    [GeneratedRegex(@"^/api/v1/links/([^/?#]+)/records/?$", RegexOptions.CultureInvariant)]
    private static partial Regex RecordsUrl();

    [GeneratedRegex(@"@\{([A-Za-z0-9_]+)\.([A-Za-z0-9_.]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex ReferencePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ReferenceIdPattern();
}
