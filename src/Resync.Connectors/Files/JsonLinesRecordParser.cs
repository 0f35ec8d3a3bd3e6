using System.Text.Json;
using Resync.Core.Records;

namespace Resync.Connectors.Files;

/// <summary>
/// JSON Lines: one JSON object per line. Values become field values as <see cref="RecordJson.ToValue"/> makes them, except
/// that nested objects and arrays are kept as their JSON text, a string (as docs/connectors-files.md promises).
/// </summary>
internal sealed class JsonLinesRecordParser(string? keyField) : ILineRecordParser
{
    public ValueTask ReadPreambleAsync(LineReader reader, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async ValueTask<Record?> NextAsync(LineReader reader, CancellationToken cancellationToken)
    {
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line.Text))
                continue;
            if (!line.IsValidUtf8)
                return Malformed(line, "the line is not valid UTF-8");

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line.Text);
            }
            catch (JsonException exception)
            {
                return Malformed(line, $"not valid JSON: {exception.Message}");
            }
            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    return Malformed(line, $"expected a JSON object, found {Describe(document.RootElement.ValueKind)}");
                var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in document.RootElement.EnumerateObject())
                    fields[property.Name] = property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array ? property.Value.GetRawText() : RecordJson.ToValue(property.Value);
                // As in CSV files, an empty key field gives no key.
                var key = keyField is not null && fields.TryGetValue(keyField, out var value) && Record.KeyText(value) is { Length: > 0 } text ? text : null;
                return new Record(key, fields);
            }
        }
        return null;
    }

    private static Record Malformed(FileLine line, string problem) =>
        Record.Unreadable(FileErrors.MalformedLine(line.Number, problem), FileErrors.Raw(line));

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
