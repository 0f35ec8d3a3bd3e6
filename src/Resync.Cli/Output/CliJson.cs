using System.Text.Json;
using System.Text.Json.Nodes;
using Resync.Core.Errors;
using Resync.Server.Api;

namespace Resync.Cli.Output;

/// <summary>
/// The CLI's JSON (<c>--json</c>): the API's options (<see cref="ResyncJson"/>) indented, so a command's document is the
/// API's answer for the same thing, name for name.
/// </summary>
internal static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new(ResyncJson.Options) { WriteIndented = true };

    /// <summary>The same on one line (a line a supervisor reads, an error on stderr).</summary>
    public static JsonSerializerOptions Compact { get; } = new(ResyncJson.Options) { WriteIndented = false };

    /// <summary>Stored JSON (a record's values) as a person reads it: one line, no escapes beyond what JSON needs.</summary>
    public static string Readable(string json) => JsonNode.Parse(json)?.ToJsonString(Compact) ?? "null";

    public static JsonNode? Error(ResyncError? error) => error is null ? null : JsonSerializer.SerializeToNode(error, Options);
}
