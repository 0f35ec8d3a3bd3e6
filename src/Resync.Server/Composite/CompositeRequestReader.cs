using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Resync.Server.Composite;

/// <summary>
/// Reads the body of a batch, composite or tree call into its subrequests or records, reporting every problem at once
/// (each a <see cref="CompositeError"/> naming what and where). Pure: no I/O; the route table only matches URLs.
/// </summary>
internal static partial class CompositeRequestReader
{
    private static readonly HashSet<string> Methods = new(StringComparer.Ordinal) { "GET", "POST", "PUT", "PATCH", "DELETE" };

    /// <summary>A batch call: <c>batchRequests</c> and <c>haltOnError</c>.</summary>
    public static CompositeRequest ReadBatch(ReadOnlySpan<byte> body, SubrequestRoutes routes)
    {
        if (Parse(body, out var errors) is not { } root)
            return new CompositeRequest([], false, false, null, errors);
        var halt = Flag(root, "haltOnError", errors);
        var subrequests = Subrequests(root, "batchRequests", requireReferenceId: false, routes, errors);
        return new CompositeRequest(subrequests, halt, false, null, errors);
    }

    /// <summary>A composite call: <c>compositeRequest</c> (each with a referenceId; references only to earlier ones) and <c>allOrNone</c>.</summary>
    public static CompositeRequest ReadComposite(ReadOnlySpan<byte> body, SubrequestRoutes routes)
    {
        if (Parse(body, out var errors) is not { } root)
            return new CompositeRequest([], false, false, null, errors);
        var allOrNone = Flag(root, "allOrNone", errors);
        var subrequests = Subrequests(root, "compositeRequest", requireReferenceId: true, routes, errors);
        if (errors.Count == 0)
            CompositeReferences.Check(subrequests, errors);
        var linkId = allOrNone && errors.Count == 0 ? AllOrNoneLink(subrequests, routes, errors) : null;
        return new CompositeRequest(subrequests, false, allOrNone, linkId, errors);
    }

    /// <summary>A tree call: <c>records</c>, each with <c>attributes.referenceId</c>, children under a field holding <c>records</c> and <c>parentField</c>.</summary>
    public static TreeRequest ReadTree(ReadOnlySpan<byte> body)
    {
        if (Parse(body, out var errors) is not { } root)
            return new TreeRequest([], errors);
        var records = new List<TreeRecord>();
        if (root["records"] is not JsonArray top)
            errors.Add(new CompositeError(CompositeCodes.JsonParserError, "'records' is a required field (an array of records).", []));
        else
            Flatten(top, null, null, records, errors);
        if (errors.Count == 0 && records.Count > CompositeCodes.MaxTreeRecords)
            errors.Add(new CompositeError(CompositeCodes.LimitExceeded, $"A tree holds at most {CompositeCodes.MaxTreeRecords} records; found {records.Count}.", []));
        if (errors.Count == 0 && records.Count == 0)
            errors.Add(new CompositeError(CompositeCodes.JsonParserError, "The tree holds no records.", []));
        foreach (var duplicate in records.GroupBy(record => record.ReferenceId, StringComparer.Ordinal).Where(group => group.Count() > 1))
            errors.Add(new CompositeError(CompositeCodes.DuplicateReferenceId, $"The referenceId '{duplicate.Key}' is used more than once.", []));
        return new TreeRequest(records, errors);
    }

    private static JsonObject? Parse(ReadOnlySpan<byte> body, out List<CompositeError> errors)
    {
        errors = [];
        try
        {
            // Duplicate names are refused here: a JsonObject holding two would throw (a 500) when first read.
            if (JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false }) is JsonObject root)
                return root;
            errors.Add(new CompositeError(CompositeCodes.JsonParserError, "The body is a JSON object.", []));
        }
        catch (JsonException exception)
        {
            errors.Add(new CompositeError(CompositeCodes.JsonParserError, $"The body is not valid JSON: {exception.Message}", []));
        }
        return null;
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
                && routes.Match(method.ToUpperInvariant(), CompositeReferences.WithPlaceholders(url)) is { Kind: SubrequestKind.Refused } refused)
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

    /// <summary>allOrNone is one transaction: every subrequest a record operation on one link (its target is checked once the link is found).</summary>
    private static string? AllOrNoneLink(IReadOnlyList<CompositeSubrequest> subrequests, SubrequestRoutes routes, List<CompositeError> errors)
    {
        var linkIds = subrequests.Select(subrequest => routes.RecordOperation(subrequest.Method, subrequest.Url)?.LinkId).ToList();
        if (linkIds.Any(id => id is null) || linkIds.Distinct(StringComparer.Ordinal).Count() != 1)
        {
            errors.Add(new CompositeError(CompositeCodes.AllOrNoneUnsupported,
                "allOrNone is done in one transaction: every subrequest must be a record operation (POST /api/v1/links/{linkId}/records, or PATCH or PUT …/records/{key}) on one link.", []));
            return null;
        }
        return linkIds[0];
    }

    private static void Flatten(JsonArray records, string? parent, string? parentField, List<TreeRecord> flat, List<CompositeError> errors)
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
            flat.Add(new TreeRecord(referenceId, fields, parent, parentField));
            foreach (var (childRecords, field) in children)
                Flatten(childRecords, referenceId, field, flat, errors);
        }
    }

    private static string? Text(JsonObject item, string name) => item[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;

    [GeneratedRegex(@"^[A-Za-z0-9_]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ReferenceIdPattern();
}
