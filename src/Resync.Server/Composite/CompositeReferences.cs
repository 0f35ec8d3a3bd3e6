using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Resync.Server.Composite;

/// <summary>
/// References between the subrequests of a composite call: <c>@{referenceId.path}</c> in a URL or body names a value in
/// the result of an earlier subrequest. Checked once before anything runs (every id known, no forward reference, no
/// cycle), then resolved against each earlier result. Pure: no I/O.
/// </summary>
internal static partial class CompositeReferences
{
    /// <summary>The referenceIds a subrequest's URL and body refer to, each once, in order of first use.</summary>
    public static IReadOnlyList<string> IdsIn(CompositeSubrequest subrequest) =>
        [.. References(subrequest).Select(reference => reference.Id).Distinct(StringComparer.Ordinal)];

    /// <summary>The URL with each reference standing for one plain segment, as a resolved value will be (escaped into one).</summary>
    public static string WithPlaceholders(string url) => ReferencePattern().Replace(url, "ref");

    /// <summary>Adds an error for each reference to an unknown referenceId, to a later subrequest, or in a cycle.</summary>
    public static void Check(IReadOnlyList<CompositeSubrequest> subrequests, List<CompositeError> errors)
    {
        var byId = subrequests.ToDictionary(subrequest => subrequest.ReferenceId!, StringComparer.Ordinal);
        foreach (var subrequest in subrequests)
        {
            foreach (var id in IdsIn(subrequest))
            {
                if (!byId.TryGetValue(id, out var target))
                    errors.Add(new CompositeError(CompositeCodes.InvalidReference, $"'{subrequest.ReferenceId}' refers to '{id}', which is no referenceId of this call.", []));
                else if (target.Index >= subrequest.Index)
                    errors.Add(new CompositeError(CompositeCodes.InvalidReference, Reaches(target, subrequest.ReferenceId!, byId, [])
                        ? $"'{subrequest.ReferenceId}' and '{id}' refer to each other (a cycle): a subrequest refers only to earlier ones."
                        : $"'{subrequest.ReferenceId}' refers to '{id}', which comes later: a subrequest refers only to earlier ones.", []));
            }
        }
    }

    /// <summary>
    /// Replaces each <c>@{ref.path}</c> in the URL (escaped as one segment) and body; a string that is one reference takes
    /// the value's JSON type. <paramref name="resultOf"/> gives an earlier subrequest's result body by its referenceId.
    /// </summary>
    public static bool TryResolve(CompositeSubrequest subrequest, Func<string, JsonNode?> resultOf, out string? url, out JsonNode? body, out string? problem)
    {
        string? failure = null;
        JsonNode? Lookup(string id, string path)
        {
            var node = resultOf(id);
            foreach (var part in path.Split('.'))
            {
                node = node switch
                {
                    JsonObject obj => obj[part],
                    JsonArray array when int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < array.Count => array[i],
                    _ => null,
                };
                if (node is null)
                {
                    failure ??= $"'@{{{id}.{path}}}' names nothing in the result of '{id}'.";
                    return null;
                }
            }
            return node;
        }
        string Replace(string text, bool escape = false) => ReferencePattern().Replace(text, match => Lookup(match.Groups[1].Value, match.Groups[2].Value) is { } node
            ? (node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString()) is var value && escape ? Uri.EscapeDataString(value) : value
            : "");
        JsonNode? Walk(JsonNode? node) => node switch
        {
            JsonObject obj => new JsonObject(obj.Select(pair => KeyValuePair.Create(pair.Key, Walk(pair.Value)))),
            JsonArray array => new JsonArray([.. array.Select(Walk)]),
            JsonValue value when value.TryGetValue<string>(out var text) => ReferencePattern().Match(text) is { Success: true } whole && whole.Length == text.Length
                ? Lookup(whole.Groups[1].Value, whole.Groups[2].Value)?.DeepClone()
                : JsonValue.Create(Replace(text)),
            _ => node?.DeepClone(),
        };
        url = Replace(subrequest.Url, escape: true);
        body = Walk(subrequest.Body);
        problem = failure;
        return failure is null;
    }

    private static IEnumerable<(string Id, string Path)> References(CompositeSubrequest subrequest) =>
        ReferencePattern().Matches(subrequest.Url + "\n" + (subrequest.Body?.ToJsonString() ?? "")).Select(match => (match.Groups[1].Value, match.Groups[2].Value));

    private static bool Reaches(CompositeSubrequest from, string goal, Dictionary<string, CompositeSubrequest> byId, HashSet<string> visited)
    {
        if (!visited.Add(from.ReferenceId!))
            return false;
        foreach (var id in References(from).Select(reference => reference.Id))
        {
            if (id == goal || (byId.TryGetValue(id, out var next) && Reaches(next, goal, byId, visited)))
                return true;
        }
        return false;
    }

    [GeneratedRegex(@"@\{([A-Za-z0-9_]+)\.([A-Za-z0-9_.]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex ReferencePattern();
}
