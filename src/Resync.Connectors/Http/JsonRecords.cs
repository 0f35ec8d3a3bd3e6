using System.Globalization;
using System.Text;
using System.Text.Json;
using Resync.Core.Errors;
using Resync.Core.Records;

namespace Resync.Connectors.Http;

/// <summary>Reads records from JSON answers (as plain CLR values) and writes records as JSON.</summary>
internal static class JsonRecords
{
    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = false, MaxDepth = 128 };

    /// <summary>A parsed page: its records, its watermark and the next cursor or link found in the body.</summary>
    public readonly record struct ParsedPage(List<Record> Records, string? Watermark, string? Next);

    /// <summary>Parses a page; a body that is not JSON or not the expected shape throws a classified <see cref="ResyncException"/>.</summary>
    public static ParsedPage ReadPage(HttpAnswer answer, string what, string? recordsPath, string keyField, string? watermarkField, string? nextPath)
    {
        // 204 No Content, or an empty 2xx body: no records (the end of the data).
        if (answer.Status == 204 || answer.Body.IsEmpty)
            return new ParsedPage([], null, null);
        using var document = Parse(answer, what);
        var root = document.RootElement;
        if (Navigate(root, recordsPath) is not { ValueKind: JsonValueKind.Array } array)
        {
            var found = Navigate(root, recordsPath) is { } other ? Describe(other.ValueKind) : "nothing";
            throw Shape(answer, what, $"expected an array of records {At(recordsPath)}, found {found}");
        }

        var records = new List<Record>(array.GetArrayLength());
        string? watermark = null;
        var shape = new PageShape(keyField);
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
                throw Shape(answer, what, $"expected each record {At(recordsPath)} to be an object, found {Describe(item.ValueKind)} at index {records.Count}");
            var record = ToRecord(item, shape);
            if (watermarkField is not null && Text(record[watermarkField]) is { } mark && string.CompareOrdinal(mark, watermark) > 0)
                watermark = mark;
            records.Add(record);
        }
        var next = nextPath is null ? null : Navigate(root, nextPath) is { } found2 ? Text(ToValue(found2)) : null;
        return new ParsedPage(records, watermark, string.IsNullOrEmpty(next) ? null : next);
    }

    /// <summary>Parses one record (fetch by key).</summary>
    public static Record ReadItem(HttpAnswer answer, string what, string? itemPath, string keyField)
    {
        using var document = Parse(answer, what);
        if (Navigate(document.RootElement, itemPath) is not { ValueKind: JsonValueKind.Object } item)
            throw Shape(answer, what, $"expected a record object {At(itemPath)}");
        return ToRecord(item, new PageShape(keyField));
    }

    /// <summary>Parses an answer as JSON; throws a classified <see cref="ResyncException"/> naming what was received when it is not.</summary>
    public static JsonDocument Parse(HttpAnswer answer, string what)
    {
        try
        {
            return JsonDocument.Parse(answer.Body, Options);
        }
        catch (JsonException exception)
        {
            throw new ResyncException(new ErrorClassification(ErrorType.IncompleteData, Durability.Ephemeral, ErrorCodes.InvalidJson,
                $"{what} is not valid JSON: {answer.Describe()}",
                "The server answered with an error page or a truncated body. Usually passing: use Retry Failures to fetch it again; if it persists, check the URL."), exception);
        }
    }

    public static ResyncException Shape(HttpAnswer answer, string what, string expected) =>
        new(new ErrorClassification(ErrorType.Runtime, Durability.Durable, ErrorCodes.UnexpectedShape,
            $"{what} does not have the expected shape: {expected}; {answer.Describe()}",
            "Check the connector's paths (recordsPath, resultsPath, …) against what the API answers."));

    /// <summary>The message of an error answer: a JSON body's <c>message</c>/<c>error</c>/<c>detail</c>/<c>title</c>, or the start of the body.</summary>
    public static string ErrorMessage(HttpAnswer answer)
    {
        if (answer.Body.IsEmpty)
            return "(empty body)";
        try
        {
            using var document = JsonDocument.Parse(answer.Body, Options);
            if (MessageIn(document.RootElement) is { } message)
                return message;
        }
        catch (JsonException)
        {
            // Not JSON: the start of the body says what it is.
        }
        return answer.Snippet();
    }

    /// <summary>A human message in a JSON error value: a string, or an object's message/error/error_description/detail/title.</summary>
    public static string? MessageIn(JsonElement value, string? preferred = null)
    {
        if (value.ValueKind == JsonValueKind.String)
            return value.GetString();
        if (value.ValueKind != JsonValueKind.Object)
            return null;
        foreach (var name in (ReadOnlySpan<string>)[preferred ?? "message", "message", "error_description", "detail", "title", "error", "errors"])
        {
            if (!value.TryGetProperty(name, out var found))
                continue;
            if (found.ValueKind == JsonValueKind.String)
                return found.GetString();
            if (found.ValueKind == JsonValueKind.Object && MessageIn(found) is { } inner)
                return inner;
            if (found.ValueKind == JsonValueKind.Array && found.GetArrayLength() > 0 && MessageIn(found[0]) is { } first)
                return first;
        }
        return null;
    }

    /// <summary>The element at a dotted path (<c>data.items</c>); null or empty path: the element itself; missing: null.</summary>
    public static JsonElement? Navigate(JsonElement root, string? path)
    {
        if (string.IsNullOrEmpty(path))
            return root;
        var current = root;
        foreach (var part in path.AsSpan().Split('.'))
        {
            var name = path.AsSpan()[part];
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(name, out var child))
                current = child;
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < current.GetArrayLength())
                current = current[index];
            else
                return null;
        }
        return current;
    }

    /// <summary>A JSON value as a plain CLR value: string, long, decimal (double beyond its range), bool, null; objects and arrays stay JSON.</summary>
    public static object? ToValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out var whole) ? whole
            : value.TryGetDecimal(out var exact) ? exact
            : value.TryGetDouble(out var real) ? real
            : value.GetRawText(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.Clone(),
    };

    /// <summary>A value as text (keys, watermarks, URL placeholders), invariant.</summary>
    public static string? Text(object? value) => Record.KeyText(value);

    /// <summary>Writes a record's fields as one JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, Record record)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in record.Fields)
        {
            writer.WritePropertyName(name);
            WriteValue(writer, value);
        }
        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string text: writer.WriteStringValue(text); break;
            case long whole: writer.WriteNumberValue(whole); break;
            case int whole: writer.WriteNumberValue(whole); break;
            case decimal exact: writer.WriteNumberValue(exact); break;
            case double real when double.IsFinite(real): writer.WriteNumberValue(real); break;
            case float real when float.IsFinite(real): writer.WriteNumberValue(real); break;
            case bool flag: writer.WriteBooleanValue(flag); break;
            case DateTimeOffset time: writer.WriteStringValue(time); break;
            case DateTime time: writer.WriteStringValue(time); break;
            case JsonElement json: json.WriteTo(writer); break;
            default: writer.WriteStringValue(Text(value)); break;
        }
    }

    private static Record ToRecord(JsonElement item, PageShape shape)
    {
        // Records of one page nearly always have the same fields in the same order: such a record holds only an array of
        // its values, by the page's shared schema (and the names' strings are not made again). One that differs gets a
        // dictionary of its own, whose fields become the shape the next records are compared with.
        var names = shape.Names;
        var utf8Names = shape.Utf8Names;
        var values = new object?[names.Length];
        Dictionary<string, object?>? fields = null;
        var index = 0;
        foreach (var property in item.EnumerateObject())
        {
            // (By the name's UTF-8 bytes: comparing with the string would encode it again for every record.)
            var known = index < names.Length && property.NameEquals(utf8Names[index]);
            if (fields is null)
            {
                if (known)
                {
                    values[index++] = ToValue(property.Value);
                    continue;
                }
                fields = Prefix(names, values, index);
            }
            fields[known ? names[index] : property.Name] = ToValue(property.Value);
            index++;
        }
        if (fields is null && index == names.Length)
            return Record.Keyed(shape.KeyIndex is >= 0 and var key ? values[key] : null, new RecordFields(shape.Schema, values));
        fields ??= Prefix(names, values, index);
        shape.Adopt([.. fields.Keys]);
        return new Record(Text(fields.GetValueOrDefault(shape.KeyField)), fields);
    }

    // The first fields of a record, as far as they matched the page's shape, in a dictionary of its own.
    private static Dictionary<string, object?> Prefix(string[] names, object?[] values, int count)
    {
        var fields = new Dictionary<string, object?>(Math.Max(names.Length, 4));
        for (var i = 0; i < count; i++)
            fields[names[i]] = values[i];
        return fields;
    }

    /// <summary>The fields the records of a page have had so far, and their schema (made when a record first shares it).</summary>
    private sealed class PageShape(string keyField)
    {
        private FieldSchema? _schema;
        private int? _keyIndex;

        public string KeyField { get; } = keyField;

        public string[] Names { get; private set; } = [];

        public byte[][] Utf8Names { get; private set; } = [];

        public FieldSchema Schema => _schema ??= new FieldSchema(Names);

        public int KeyIndex => _keyIndex ??= Schema.IndexOf(KeyField);

        public void Adopt(string[] names)
        {
            Names = names;
            Utf8Names = [.. names.Select(name => Encoding.UTF8.GetBytes(name))];
            _schema = null;
            _keyIndex = null;
        }
    }

    private static string At(string? path) => string.IsNullOrEmpty(path) ? "at the top of the body" : $"at '{path}'";

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
