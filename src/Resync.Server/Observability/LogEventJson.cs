using System.Globalization;
using System.Text.Json;

namespace Resync.Server.Observability;

/// <summary>
/// The JSON shape of a log event in the file sink, one object per line, the same as the console's <c>json</c> formatter
/// (Timestamp, EventId, LogLevel, Category, Message, State) plus <c>EventName</c>, so that one parser reads both.
/// </summary>
public static class LogEventJson
{
    public static void Write(Utf8JsonWriter writer, LogEvent entry)
    {
        writer.WriteStartObject();
        writer.WriteString("Timestamp", entry.Timestamp.ToString("O", CultureInfo.InvariantCulture));
        writer.WriteNumber("EventId", entry.EventId);
        writer.WriteString("EventName", entry.EventName);
        writer.WriteString("LogLevel", entry.Level.ToString());
        writer.WriteString("Category", entry.Category);
        writer.WriteString("Message", entry.Message);
        if (entry.Exception is not null)
            writer.WriteString("Exception", entry.Exception);
        writer.WriteStartObject("State");
        WriteFields(writer, entry.Fields);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Writes each field as a JSON property: numbers and booleans as such, times in ISO 8601, the rest as invariant text.</summary>
    public static void WriteFields(Utf8JsonWriter writer, IReadOnlyList<KeyValuePair<string, object?>> fields)
    {
        foreach (var (name, value) in fields)
        {
            writer.WritePropertyName(name);
            switch (value)
            {
                case null: writer.WriteNullValue(); break;
                case bool flag: writer.WriteBooleanValue(flag); break;
                case int number: writer.WriteNumberValue(number); break;
                case long number: writer.WriteNumberValue(number); break;
                case double number when double.IsFinite(number): writer.WriteNumberValue(number); break;
                case DateTimeOffset time: writer.WriteStringValue(time.ToString("O", CultureInfo.InvariantCulture)); break;
                case IFormattable formattable: writer.WriteStringValue(formattable.ToString(null, CultureInfo.InvariantCulture)); break;
                default: writer.WriteStringValue(value.ToString()); break;
            }
        }
    }
}
