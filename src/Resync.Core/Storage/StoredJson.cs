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

    // Written through the source-generated serializer (the same options as Options): a failed record's error is serialized on
    // the engine's workers, and the generated code writes it in about half the time of the reflection-based one.
    public static string? Error(ResyncError? error) =>
        error is null ? null : JsonSerializer.Serialize(error with { Message = SecretText.Mask(error.Message), Hint = SecretText.MaskOrNull(error.Hint) }, StoredErrorJson.Default.ResyncError);

    public static ResyncError? Error(string? json) => json is null ? null : JsonSerializer.Deserialize<ResyncError>(json, Options);

    public static string? Warnings(IReadOnlyList<RecordWarning> warnings) => warnings.Count == 0 ? null : JsonSerializer.Serialize(warnings, Options);

    public static IReadOnlyList<RecordWarning> Warnings(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<RecordWarning[]>(json, Options) ?? [];

    /// <summary>A snapshot's fields, as <see cref="RecordJson"/> writes records everywhere (a dead letter's snapshot alike).</summary>
    public static string? Fields(IReadOnlyDictionary<string, object?>? fields) => fields is null ? null : RecordJson.Serialize(fields);
}
