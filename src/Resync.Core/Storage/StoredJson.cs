using System.Text.Json;
using System.Text.Json.Serialization;
using Resync.Core.Errors;
using Resync.Core.Records;

namespace Resync.Core.Storage;

/// <summary>How errors, warnings and snapshots are kept as JSON text by every state store (so a stored error reads back alike).</summary>
public static class StoredJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string? Error(ResyncError? error) =>
        error is null ? null : JsonSerializer.Serialize(error with { Message = SecretText.Mask(error.Message), Hint = SecretText.MaskOrNull(error.Hint) }, Options);

    public static ResyncError? Error(string? json) => json is null ? null : JsonSerializer.Deserialize<ResyncError>(json, Options);

    public static string? Warnings(IReadOnlyList<RecordWarning> warnings) => warnings.Count == 0 ? null : JsonSerializer.Serialize(warnings, Options);

    public static IReadOnlyList<RecordWarning> Warnings(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<RecordWarning[]>(json, Options) ?? [];

    public static string? Fields(IReadOnlyDictionary<string, object?>? fields) => fields is null ? null : JsonSerializer.Serialize(fields, Options);
}
