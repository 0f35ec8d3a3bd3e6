using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Resync.Core.Records;

namespace Resync.Server.Composite;

/// <summary>The record a record operation or tree record writes. Pure: no I/O.</summary>
internal static class CompositeRecords
{
    /// <summary>A record operation's record: its body, keyed by the URL's key, or by its key field, or by a new id.</summary>
    public static (Record? Record, CompositeResult? Refused) FromSubrequest(CompositeSubrequest subrequest, JsonNode? body, string keyField, string? key)
    {
        if (body is not JsonObject fields)
            return (null, CompositeResult.Failure(subrequest.ReferenceId, 400, CompositeCodes.JsonParserError, "A record operation's body is one record (a JSON object)."));
        if (key is not null && fields[keyField] is JsonValue given && given.ToString() != key)
            return (null, CompositeResult.Failure(subrequest.ReferenceId, 400, CompositeCodes.JsonParserError,
                $"The body's '{keyField}' ('{given}') is not the key in the URL ('{key}'): leave it out or make them equal."));
        return (FromFields(fields, keyField, key), null);
    }

    /// <summary>A record from its fields, keyed by <paramref name="urlKey"/> when given, else by its key field, else by a new id (written into the fields).</summary>
    public static Record FromFields(JsonObject fields, string keyField, string? urlKey = null)
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
}
