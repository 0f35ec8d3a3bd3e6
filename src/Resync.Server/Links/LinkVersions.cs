using Resync.Core.Links;
using YamlDotNet.RepresentationModel;

namespace Resync.Server.Links;

/// <summary>
/// Versions of link definitions, for the CLI and the server alike: their hash, and what changed between two of them,
/// field by field. Both work on the redacted document (<see cref="LinkDocuments.Redact"/>): a hash or a change list is
/// shown to whoever may read runs, so credentials take no part in either (changing a password is not a new version).
/// </summary>
public static class LinkVersions
{
    /// <summary>At most this many changes are listed; the rest are counted.</summary>
    public const int MaxChangesShown = 12;

    /// <summary>The version of a definition, keeping <paramref name="storedDocument"/> with it (the text itself, or it encrypted).</summary>
    public static LinkVersion Of(string definitionText, string storedDocument) =>
        new(LinkVersion.HashOf(LinkDocuments.Redact(definitionText)), storedDocument);

    /// <summary>
    /// What changed from <paramref name="before"/> to <paramref name="after"/>, one line per field (<c>steps[1].truncate.maxLength: 40 → 60</c>,
    /// <c>+ steps[0]: {truncate: {field: name, maxLength: 10}}</c>, <c>- settings.batchSize (was 500)</c>), credentials hidden. List items
    /// are matched by content first, so a step inserted before others reads as one added step.
    /// </summary>
    public static IReadOnlyList<string> Changes(string before, string after)
    {
        var changes = new List<string>();
        Diff(Root(LinkDocuments.Redact(before)), Root(LinkDocuments.Redact(after)), "", changes);
        return changes.Count <= MaxChangesShown
            ? changes
            : [.. changes.Take(MaxChangesShown - 1), $"… and {changes.Count - MaxChangesShown + 1} more change(s)"];
    }

    private static YamlNode Root(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return new YamlScalarNode("(not valid YAML)");
        }
        return stream.Documents.Count > 0 ? stream.Documents[0].RootNode : new YamlMappingNode();
    }

    private static void Diff(YamlNode old, YamlNode current, string path, List<string> changes)
    {
        switch (old, current)
        {
            case (YamlMappingNode a, YamlMappingNode b):
                foreach (var (key, value) in b.Children)
                {
                    var name = Child(path, key);
                    if (a.Children.TryGetValue(key, out var was))
                        Diff(was, value, name, changes);
                    else
                        changes.Add($"+ {name}: {Compact(value)}");
                }
                foreach (var (key, value) in a.Children.Where(pair => !b.Children.ContainsKey(pair.Key)))
                    changes.Add($"- {Child(path, key)} (was {Compact(value)})");
                break;
            case (YamlSequenceNode a, YamlSequenceNode b):
                DiffItems([.. a.Children], [.. b.Children], path, changes);
                break;
            default:
                if (Compact(old) is var was2 && Compact(current) is var now && was2 != now)
                    changes.Add($"{(path.Length == 0 ? "(document)" : path)}: {was2} → {now}");
                break;
        }
    }

    /// <summary>Items equal in both lists are matched (longest common subsequence); between two matches, items are compared in pairs.</summary>
    private static void DiffItems(IReadOnlyList<YamlNode> old, IReadOnlyList<YamlNode> current, string path, List<string> changes)
    {
        var a = old.Select(Compact).ToArray();
        var b = current.Select(Compact).ToArray();
        var common = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
                common[i, j] = a[i] == b[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
        }
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            // The gap before the next match (or the end): items of both sides in it are compared in pairs, the rest added or removed.
            int gapX = x, gapY = y;
            while (gapX < a.Length && gapY < b.Length && a[gapX] != b[gapY])
            {
                if (common[gapX + 1, gapY] >= common[gapX, gapY + 1])
                    gapX++;
                else
                    gapY++;
            }
            if (gapX >= a.Length || gapY >= b.Length)
                (gapX, gapY) = (a.Length, b.Length);
            // An item of the gap is compared with the first one of the same kind (a step's name) on the other side.
            var pairedWith = new int?[b.Length];
            var removed = new List<int>();
            for (var i = x; i < gapX; i++)
            {
                var j = Enumerable.Range(y, gapY - y).Cast<int?>().FirstOrDefault(j => pairedWith[j!.Value] is null && Kind(current[j.Value]) == Kind(old[i]));
                if (j is { } match)
                    pairedWith[match] = i;
                else
                    removed.Add(i);
            }
            for (var j = y; j < gapY; j++)
            {
                if (pairedWith[j] is { } i)
                    Diff(old[i], current[j], $"{path}[{j}]", changes);
                else
                    changes.Add($"+ {path}[{j}]: {b[j]}");
            }
            changes.AddRange(removed.Select(i => $"- {path}[{i}] (was {a[i]})"));
            (x, y) = (gapX + 1, gapY + 1); // Past the match.
        }
    }

    /// <summary>What an item is, to pair items of two lists: a mapping's first key (a step's name); anything else is of one kind.</summary>
    private static string Kind(YamlNode node) => node is YamlMappingNode { Children.Count: > 0 } mapping ? Compact(mapping.Children.First().Key) : "";

    private static string Child(string path, YamlNode key) =>
        path.Length == 0 ? (key as YamlScalarNode)?.Value ?? "?" : $"{path}.{(key as YamlScalarNode)?.Value ?? "?"}";

    /// <summary>A node on one line, in YAML flow style.</summary>
    private static string Compact(YamlNode node) => node switch
    {
        YamlScalarNode scalar => scalar.Value ?? "null",
        YamlMappingNode mapping => "{" + string.Join(", ", mapping.Children.Select(pair => $"{Compact(pair.Key)}: {Compact(pair.Value)}")) + "}",
        YamlSequenceNode sequence => "[" + string.Join(", ", sequence.Children.Select(Compact)) + "]",
        _ => "?",
    };
}
