using System.Buffers;
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
    private static readonly JsonReaderOptions ReaderOptions = new() { AllowTrailingCommas = false, MaxDepth = 128 };

    /// <summary>A parsed page: its records, its watermark and the next cursor or link found in the body.</summary>
    public readonly record struct ParsedPage(List<Record> Records, string? Watermark, string? Next);

    /// <summary>
    /// Parses a page in one pass over its bytes, building each record's values straight from them (no document); a body
    /// that is not JSON or not the expected shape throws a classified <see cref="ResyncException"/>, the same as
    /// <see cref="Parse"/> and <see cref="Navigate"/> would: a body that is not JSON is that error wherever its fault is.
    /// </summary>
    public static ParsedPage ReadPage(HttpAnswer answer, string what, string? recordsPath, string keyField, string? watermarkField, string? nextPath)
    {
        // 204 No Content, or an empty 2xx body: no records (the end of the data).
        if (answer.Status == 204 || answer.Body.IsEmpty)
            return new ParsedPage([], null, null);
        // A next cursor inside the records (or holding them) is looked up in a document of the page instead: no API
        // pages so, and the one pass follows paths that part.
        var nextApart = nextPath is null || Apart(recordsPath, nextPath);
        var walk = new BodyWalk(recordsPath, nextApart ? nextPath : null, keyField, items: true);
        walk.Read(answer, what);
        if (walk.Found != JsonValueKind.Array)
            throw Shape(answer, what, $"expected an array of records {At(recordsPath)}, found {(walk.Found is { } kind ? Describe(kind) : "nothing")}");
        if (walk.NotAnObject is var (index, found))
            throw Shape(answer, what, $"expected each record {At(recordsPath)} to be an object, found {Describe(found)} at index {index}");

        var records = walk.Records!;
        string? watermark = null;
        if (watermarkField is not null)
        {
            foreach (var record in records)
            {
                if (Text(record[watermarkField]) is { } mark && string.CompareOrdinal(mark, watermark) > 0)
                    watermark = mark;
            }
        }
        string? next;
        if (nextApart)
        {
            next = walk.Next;
        }
        else
        {
            using var document = Parse(answer, what);
            next = Navigate(document.RootElement, nextPath) is { } at ? Text(RecordJson.ToValue(at)) : null;
        }
        return new ParsedPage(records, watermark, string.IsNullOrEmpty(next) ? null : next);
    }

    /// <summary>Parses one record (fetch by key).</summary>
    public static Record ReadItem(HttpAnswer answer, string what, string? itemPath, string keyField)
    {
        var walk = new BodyWalk(itemPath, null, keyField, items: false);
        walk.Read(answer, what);
        return walk.Item ?? throw Shape(answer, what, $"expected a record object {At(itemPath)}");
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
            throw NotJson(answer, what, exception);
        }
    }

    private static ResyncException NotJson(HttpAnswer answer, string what, JsonException exception) =>
        new(new ErrorClassification(ErrorType.IncompleteData, Durability.Ephemeral, ErrorCodes.InvalidJson,
            $"{what} is not valid JSON: {answer.Describe()}",
            "The server answered with an error page or a truncated body. Usually passing: use Retry Failures to fetch it again; if it persists, check the URL."), exception);

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

    /// <summary>A value as text (keys, watermarks, URL placeholders), invariant.</summary>
    public static string? Text(object? value) => Record.KeyText(value);

    /// <summary>Writes a record's fields as one JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, Record record)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in record.Fields)
        {
            writer.WritePropertyName(name);
            RecordJson.WriteValue(writer, value);
        }
        writer.WriteEndObject();
    }

    /// <summary>The record of the object the reader is at (its start), read to its end.</summary>
    private static Record ToRecord(ref Utf8JsonReader reader, PageShape shape)
    {
        // Records of one page nearly always have the same fields in the same order: such a record holds only an array of
        // its values, by the page's shared schema (and the names' strings are not made again). One that differs gets a
        // dictionary of its own, whose fields become the shape the next records are compared with.
        var names = shape.Names;
        var utf8Names = shape.Utf8Names;
        var values = new object?[names.Length];
        Dictionary<string, object?>? fields = null;
        var index = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // (By the name's UTF-8 bytes, unescaped as needed: a string would be encoded again for every record.)
            var known = index < names.Length && reader.ValueTextEquals(utf8Names[index]);
            if (fields is null && known)
            {
                reader.Read();
                values[index++] = RecordJson.ReadValue(ref reader);
                continue;
            }
            fields ??= Prefix(names, values, index);
            var name = known ? names[index] : reader.GetString()!;
            reader.Read();
            fields[name] = RecordJson.ReadValue(ref reader);
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

    /// <summary>
    /// One pass over a body: the records (or the one record) at a path, and the value at another path that parts from it.
    /// A path is followed as <see cref="Navigate"/> does: of properties with the same name the last counts, so what was found
    /// under an earlier one is forgotten when a later one comes.
    /// </summary>
    private sealed class BodyWalk(string? path, string? nextPath, string keyField, bool items)
    {
        private readonly string[] _path = Segments(path);
        private readonly int[] _pathIndexes = Indexes(path);
        private readonly string[] _next = Segments(nextPath);
        private readonly int[] _nextIndexes = Indexes(nextPath);

        /// <summary>What is at the path: null when nothing is.</summary>
        public JsonValueKind? Found { get; private set; }

        /// <summary>The records of the array at the path, up to the first item that is no object.</summary>
        public List<Record>? Records { get; private set; }

        /// <summary>The first item of the array at the path that is no object.</summary>
        public (int Index, JsonValueKind Kind)? NotAnObject { get; private set; }

        /// <summary>The record of the object at the path (when not reading items).</summary>
        public Record? Item { get; private set; }

        /// <summary>The value at the next path, as text.</summary>
        public string? Next { get; private set; }

        public void Read(HttpAnswer answer, string what)
        {
            try
            {
                var reader = new Utf8JsonReader(answer.Body.Span, ReaderOptions);
                if (!reader.Read())
                    throw new JsonException("The body holds no JSON value.");
                Visit(ref reader, 0, nextPath is null ? -1 : 0);
                // Past the value: only whitespace may follow (the reader throws otherwise).
                while (reader.Read())
                {
                }
            }
            catch (JsonException exception)
            {
                throw NotJson(answer, what, exception);
            }
            catch (InvalidOperationException)
            {
                // A string that is not UTF-8, met before the end: a body that is not JSON further on is that error first, as
                // when the whole document was parsed before any value was read.
                try
                {
                    var check = new Utf8JsonReader(answer.Body.Span, ReaderOptions);
                    while (check.Read())
                    {
                    }
                }
                catch (JsonException exception)
                {
                    throw NotJson(answer, what, exception);
                }
                throw;
            }
        }

        // The reader is at a value's first token, and leaves it at its last. toPath and toNext: how many steps of each path
        // lead here (-1: none).
        private void Visit(ref Utf8JsonReader reader, int toPath, int toNext)
        {
            if (toPath == _path.Length)
            {
                Take(ref reader);
                return;
            }
            if (toNext == _next.Length)
            {
                Next = Text(RecordJson.ReadValue(ref reader));
                return;
            }
            if (toPath < 0 && toNext < 0)
            {
                reader.Skip();
                return;
            }
            if (toPath >= 0)
                Forget();
            if (toNext >= 0)
                Next = null;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var path = toPath >= 0 && reader.ValueTextEquals(_path[toPath]) ? toPath + 1 : -1;
                    var next = toNext >= 0 && reader.ValueTextEquals(_next[toNext]) ? toNext + 1 : -1;
                    reader.Read();
                    Visit(ref reader, path, next);
                }
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                for (var i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
                    Visit(ref reader, toPath >= 0 && _pathIndexes[toPath] == i ? toPath + 1 : -1, toNext >= 0 && _nextIndexes[toNext] == i ? toNext + 1 : -1);
            }
        }

        private void Take(ref Utf8JsonReader reader)
        {
            Forget();
            if (items && reader.TokenType == JsonTokenType.StartArray)
            {
                Found = JsonValueKind.Array;
                ReadRecords(ref reader);
            }
            else if (!items && reader.TokenType == JsonTokenType.StartObject)
            {
                Item = ToRecord(ref reader, new PageShape(keyField));
            }
            else
            {
                Found = KindOf(reader.TokenType);
                reader.Skip();
            }
        }

        private void ReadRecords(ref Utf8JsonReader reader)
        {
            // Gathered in a pooled array, then copied into a list of the right size (the page's count is known only at its end).
            var shape = new PageShape(keyField);
            var gathered = ArrayPool<Record>.Shared.Rent(1024);
            var count = 0;
            try
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (NotAnObject is null && reader.TokenType == JsonTokenType.StartObject)
                    {
                        if (count == gathered.Length)
                            gathered = Grow(gathered, count);
                        gathered[count++] = ToRecord(ref reader, shape);
                        continue;
                    }
                    // The first item that is no object is the page's error; the rest is only read through.
                    NotAnObject ??= (count, KindOf(reader.TokenType));
                    reader.Skip();
                }
                var records = new List<Record>(count);
                records.AddRange(gathered.AsSpan(0, count));
                Records = records;
            }
            finally
            {
                gathered.AsSpan(0, count).Clear();
                ArrayPool<Record>.Shared.Return(gathered);
            }
        }

        private static Record[] Grow(Record[] gathered, int count)
        {
            var larger = ArrayPool<Record>.Shared.Rent(gathered.Length * 2);
            gathered.AsSpan(0, count).CopyTo(larger);
            gathered.AsSpan(0, count).Clear();
            ArrayPool<Record>.Shared.Return(gathered);
            return larger;
        }

        private void Forget()
        {
            Found = null;
            Records = null;
            NotAnObject = null;
            Item = null;
        }

        private static JsonValueKind KindOf(JsonTokenType token) => token switch
        {
            JsonTokenType.StartObject => JsonValueKind.Object,
            JsonTokenType.StartArray => JsonValueKind.Array,
            JsonTokenType.String => JsonValueKind.String,
            JsonTokenType.Number => JsonValueKind.Number,
            JsonTokenType.True => JsonValueKind.True,
            JsonTokenType.False => JsonValueKind.False,
            _ => JsonValueKind.Null,
        };

        private static int[] Indexes(string? path) => [.. Segments(path).Select(Index)];
    }

    // A dotted path's steps, as Navigate takes them; null or empty: none (the top of the body).
    private static string[] Segments(string? path) => string.IsNullOrEmpty(path) ? [] : path.Split('.');

    // Whether two dotted paths part: neither is the other or leads through it (steps that are the same array index, such as
    // 1 and 01, are the same step).
    private static bool Apart(string? one, string? other)
    {
        var first = Segments(one);
        var second = Segments(other);
        for (var i = 0; i < Math.Min(first.Length, second.Length); i++)
        {
            var index = Index(first[i]);
            if (first[i] != second[i] && (index < 0 || index != Index(second[i])))
                return true;
        }
        return false;
    }

    // A step as an array index, as Navigate reads it; -1: none.
    private static int Index(string step) => int.TryParse(step, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : -1;

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
