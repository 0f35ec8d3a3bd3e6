using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Resync.Core.Records;

/// <summary>
/// How record field values are written to and read back from JSON (snapshots, push bodies), so that a
/// record rebuilt from its snapshot has the same plain values a source would give: text, whole numbers
/// as long, other numbers as double, booleans, null; nested objects and arrays stay JSON elements.
/// </summary>
public static class RecordJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Serialize(IReadOnlyDictionary<string, object?> fields) => JsonSerializer.Serialize(fields, Options);

    /// <summary>Rebuilds field values from a JSON object; throws <see cref="JsonException"/> when it is not one.</summary>
    public static Dictionary<string, object?> ToFields(string json)
    {
        // Retries rebuild thousands of records from snapshots: read the text once, straight into the dictionary.
        var length = Encoding.UTF8.GetMaxByteCount(json.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(json, rented);
            var reader = new Utf8JsonReader(rented.AsSpan(0, written));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new JsonException($"A record is a JSON object, found {(reader.TokenType == JsonTokenType.None ? "nothing" : reader.TokenType.ToString().ToLowerInvariant())}.");
            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                fields[name] = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Number when reader.TryGetInt64(out var whole) => whole,
                    JsonTokenType.Number => reader.GetDouble(),
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    JsonTokenType.Null => null,
                    _ => JsonElement.ParseValue(ref reader),
                };
            }
            return fields;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Field values of a JSON object element.</summary>
    public static Dictionary<string, object?> ToFields(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new JsonException($"A record is a JSON object, found {element.ValueKind.ToString().ToLowerInvariant()}.");
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
            fields[property.Name] = ToValue(property.Value);
        return fields;
    }

    /// <summary>A JSON value as a plain CLR value.</summary>
    public static object? ToValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number when value.TryGetInt64(out var whole) => whole,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.Clone(),
    };
}
