using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resync.Server.Api;

/// <summary>
/// The one JSON form of Resync's documents, for the API's answers and the CLI's <c>--json</c> alike: web casing, enums as
/// names, and only the escapes JSON needs (<c>'</c>, <c>+</c>, <c>&lt;</c> stay as they are: the documents are served as
/// <c>application/json</c> with <c>nosniff</c>, never embedded in HTML).
/// </summary>
public static class ResyncJson
{
    /// <summary>The shared options (read-only once used).</summary>
    public static JsonSerializerOptions Options { get; } = Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Gives <paramref name="options"/> (web defaults already) the shared form; the server applies it to its HTTP JSON options.</summary>
    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter());
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        return options;
    }
}
