using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Resync.Core.Records;

/// <summary>
/// How record field values are read from JSON and written as JSON, for every place that does either (snapshots, push
/// bodies, JSON Lines files, the API), so that a record rebuilt from its snapshot has the same plain values a source
/// gives: text, whole numbers as long, other numbers as decimal (double beyond decimal's range), booleans, null; nested
/// objects and arrays stay JSON elements.
/// </summary>
public static class RecordJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    // One writer and its buffer per thread, reused: a new pair per call allocated ~5 KB to write a ~300-byte record (a failed
    // record's two snapshots are written on the engine's workers, 1–2 % of a run's records).
    [ThreadStatic] private static ArrayBufferWriter<byte>? _buffer;
    [ThreadStatic] private static Utf8JsonWriter? _writer;

    /// <summary>The fields as one JSON object, each value as <see cref="WriteValue"/> writes it.</summary>
    public static string Serialize(IReadOnlyDictionary<string, object?> fields)
    {
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(1024);
        var json = _writer ??= new Utf8JsonWriter(buffer);
        // Taken off the thread while in use: a value's own serializer that came back here would get a pair of its own.
        _buffer = null;
        _writer = null;
        try
        {
            json.Reset(buffer);
            json.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                json.WritePropertyName(name);
                WriteValue(json, value);
            }
            json.WriteEndObject();
            json.Flush();
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        finally
        {
            buffer.ResetWrittenCount();
            // A buffer grown for one very large record is not kept for the thread's life.
            if (buffer.Capacity <= MaxKeptBuffer)
            {
                _buffer = buffer;
                _writer = json;
            }
        }
    }

    private const int MaxKeptBuffer = 64 * 1024;

    /// <summary>
    /// Writes a record value as JSON: numbers as numbers (a non-finite double as its text), dates as ISO-8601 text
    /// (<c>O</c>), JSON elements as they are, other formattable values as their invariant text, anything else
    /// (lists, bytes) as <see cref="JsonSerializer"/> writes it.
    /// </summary>
    public static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case string text:
                json.WriteStringValue(text);
                break;
            case bool flag:
                json.WriteBooleanValue(flag);
                break;
            case long or int or short or byte or sbyte or ushort or uint:
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong whole:
                json.WriteNumberValue(whole);
                break;
            case decimal number:
                json.WriteNumberValue(number);
                break;
            case double number when double.IsFinite(number):
                json.WriteNumberValue(number);
                break;
            case float number when float.IsFinite(number):
                json.WriteNumberValue(number);
                break;
            case DateTimeOffset time:
                json.WriteStringValue(time.ToString("O", CultureInfo.InvariantCulture));
                break;
            case DateTime time:
                json.WriteStringValue(time.ToString("O", CultureInfo.InvariantCulture));
                break;
            case JsonElement element:
                element.WriteTo(json);
                break;
            case IFormattable formattable:
                json.WriteStringValue(formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                JsonSerializer.Serialize(json, value, value.GetType(), Options);
                break;
        }
    }

    /// <summary>Rebuilds field values from a JSON object; throws <see cref="JsonException"/> when it is not one.</summary>
    public static Dictionary<string, object?> ToFields(string json)
    {
        // Retries rebuild thousands of records from snapshots: read the text once, straight into the dictionary. The
        // values follow ToValue's rule through ReadValue (RecordJsonTests holds the two to the same values).
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
                fields[name] = ReadValue(ref reader);
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

    /// <summary>
    /// A JSON value as a record value: text; a whole number as long, another as decimal (exact; double beyond decimal's
    /// range); a boolean; null; an object or array as a JSON element.
    /// </summary>
    public static object? ToValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number when value.TryGetInt64(out var whole) => whole,
        JsonValueKind.Number when value.TryGetDecimal(out var exact) => exact,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.Clone(),
    };

    /// <summary>
    /// The record value of the JSON value the reader is at (its first token; the reader ends at its last), by
    /// <see cref="ToValue"/>'s rule: the one reading for readers that build records without a document (snapshots, HTTP pages).
    /// </summary>
    public static object? ReadValue(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number when reader.TryGetInt64(out var whole) => whole,
        JsonTokenType.Number when reader.TryGetDecimal(out var exact) => exact,
        JsonTokenType.Number => reader.GetDouble(),
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.Null => null,
        _ => JsonElement.ParseValue(ref reader),
    };
}
