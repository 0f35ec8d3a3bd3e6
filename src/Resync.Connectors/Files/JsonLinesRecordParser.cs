using System.Globalization;
using System.Text.Json;
using Resync.Core.Records;

namespace Resync.Connectors.Files;

/// <summary>
/// JSON Lines: one JSON object per line. Strings, numbers (whole numbers as <see cref="long"/>, others as
/// <see cref="decimal"/>, or <see cref="double"/> beyond decimal's range), booleans and null become field
/// values; nested objects and arrays are kept as their JSON text.
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
                    fields[property.Name] = Value(property.Value);
                var key = keyField is not null && fields.TryGetValue(keyField, out var value) ? KeyText(value) : null;
                return new Record(key, fields);
            }
        }
        return null;
    }

    internal static object? Value(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number when element.TryGetInt64(out var whole) => whole,
        JsonValueKind.Number when element.TryGetDecimal(out var number) => number,
        JsonValueKind.Number => element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => element.GetRawText(),
    };

    private static string? KeyText(object? value) => value switch
    {
        null => null,
        string text => text.Length == 0 ? null : text,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

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
