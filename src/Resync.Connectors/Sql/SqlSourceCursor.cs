using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resync.Connectors.Sql;

/// <summary>
/// Where a page of a <see cref="SqlTableSource"/> lies in (updated-at, key) order: after a position (exclusive) or,
/// for the first page, after the watermark; through its last row (inclusive). Re-reading by it gives the same rows.
/// </summary>
internal sealed record SqlSourceCursor(
    [property: JsonPropertyName("since")] string? Since,
    [property: JsonPropertyName("after")] string?[]? After,
    [property: JsonPropertyName("through")] string?[]? Through)
{
    public string Serialize() => JsonSerializer.Serialize(this, SqlSourceCursorJson.Default.SqlSourceCursor);

    public static SqlSourceCursor Parse(string cursor)
    {
        try
        {
            return JsonSerializer.Deserialize(cursor, SqlSourceCursorJson.Default.SqlSourceCursor)
                ?? throw new ArgumentException($"'{cursor}' is not a cursor of a SQL table source", nameof(cursor));
        }
        catch (JsonException exception)
        {
            throw new ArgumentException($"'{cursor}' is not a cursor of a SQL table source", nameof(cursor), exception);
        }
    }
}

[JsonSerializable(typeof(SqlSourceCursor))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class SqlSourceCursorJson : JsonSerializerContext;
