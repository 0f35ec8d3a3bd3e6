using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Resync.LinkFiles;

/// <summary>Checks a YAML mapping against a schema, converting each value to its declared type and collecting every problem.</summary>
internal sealed partial class SectionReader(string file, string baseDirectory, List<LinkFileProblem> problems, Func<string, string?> environment, ILinkTrust trust)
{
    public List<LinkFileProblem> Problems => problems;

    public void Report(YamlNode? node, string message) => Report(node?.Start ?? Mark.Empty, message);

    public void Report(Mark mark, string message) =>
        problems.Add(new LinkFileProblem(file, Math.Max(1, (int)mark.Line), Math.Max(1, (int)mark.Column), message));

    public ConfigSection Read(YamlNode node, string path, ConfigSchema schema, IReadOnlySet<string>? readElsewhere = null)
    {
        var section = Section(path, node.Start);
        if (node is not YamlMappingNode mapping)
        {
            Report(node, $"{path}: expected a section of keys ({Names(schema)}), found {Describe(node)}");
            return section;
        }

        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (readElsewhere?.Contains(key) == true)
                continue;
            var spec = schema.Find(key);
            if (spec is null)
            {
                Report(keyNode, $"unknown key '{key}' in {path}{Suggestions.DidYouMean(key, schema.Keys.Select(k => k.Name))}; allowed: {Names(schema)}");
                continue;
            }
            if (Convert(valueNode, $"{path}.{key}", spec) is { } value && (!spec.FilePath || Confined(valueNode, $"{path}.{key}", (string)value)))
                section.Set(key, value, Position(valueNode.Start));
        }

        foreach (var spec in schema.Keys.Where(spec => spec.Required && !section.Has(spec.Name) && readElsewhere?.Contains(spec.Name) != true))
        {
            if (!mapping.Children.Keys.OfType<YamlScalarNode>().Any(k => k.Value == spec.Name))
                Report(mapping, $"{path}: the required key '{spec.Name}' is missing ({spec.Description})");
        }
        return section;
    }

    private ConfigSection Section(string path, Mark start) =>
        new(path, file, baseDirectory, Position(start), (line, column, message) => problems.Add(new LinkFileProblem(file, line, column, message)), trust);

    private static (int Line, int Column) Position(Mark mark) => ((int)mark.Line, (int)mark.Column);

    /// <summary>Whether the link's trust lets a file path key point where it does; reports the rule it breaks.</summary>
    private bool Confined(YamlNode node, string path, string value)
    {
        try
        {
            trust.ResolvePath(value, baseDirectory);
            return true;
        }
        catch (ArgumentException exception)
        {
            Report(node, $"{path}: {exception.Message}");
            return false;
        }
    }

    private object? Convert(YamlNode node, string path, KeySpec spec)
    {
        switch (spec.Kind)
        {
            case ValueKind.Section when node is YamlScalarNode && spec is { Shorthand: { } key, Nested: { } nested }:
                var shorthand = Section(path, node.Start);
                if (Convert(node, $"{path}.{key}", nested.Find(key)!) is { } shortValue)
                    shorthand.Set(key, shortValue, Position(node.Start));
                return shorthand;
            case ValueKind.Section:
                return Read(node, path, spec.Nested ?? new ConfigSchema());
            case ValueKind.TextList:
                if (node is YamlScalarNode single && Scalar(single) is { } one)
                    return (IReadOnlyList<string>)[one];
                if (node is YamlSequenceNode sequence)
                {
                    var items = new List<string>();
                    foreach (var item in sequence.Children)
                    {
                        if (item is YamlScalarNode scalar && Scalar(scalar) is { } text)
                            items.Add(text);
                        else
                            Report(item, $"{path}: expected a list of values, found {Describe(item)}");
                    }
                    return (IReadOnlyList<string>)items;
                }
                Report(node, $"{path}: expected a list of values, found {Describe(node)}");
                return null;
            case ValueKind.TextMap:
                if (node is not YamlMappingNode map)
                {
                    Report(node, $"{path}: expected a map of names to values, found {Describe(node)}");
                    return null;
                }
                var entries = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (k, v) in map.Children)
                {
                    if (k is YamlScalarNode { Value: { } name } && v is YamlScalarNode scalar && Scalar(scalar) is { } text)
                        entries[name] = text;
                    else
                        Report(v, $"{path}: expected a name and a single value, found {Describe(v)}");
                }
                return (IReadOnlyDictionary<string, string>)entries;
        }

        if (node is not YamlScalarNode scalarNode)
        {
            Report(node, $"{path}: expected {Expected(spec)}, found {Describe(node)}");
            return null;
        }
        var raw = Scalar(scalarNode);
        if (raw is null)
        {
            if (spec.Required)
                Report(node, $"{path}: expected {Expected(spec)}, found nothing");
            return null;
        }

        object? value = spec.Kind switch
        {
            ValueKind.Text or ValueKind.Scalar => raw,
            ValueKind.Integer => long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) ? whole : null,
            ValueKind.Number => decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null,
            ValueKind.Boolean => raw.ToLowerInvariant() switch { "true" or "yes" or "on" => true, "false" or "no" or "off" => false, _ => null },
            ValueKind.Duration => ParseDuration(raw),
            _ => null,
        };
        if (value is null)
        {
            Report(node, $"{path}: expected {Expected(spec)}, found '{raw}'");
            return null;
        }
        if (spec.Allowed is { } allowed && value is string choice)
        {
            var match = allowed.FirstOrDefault(a => string.Equals(a, choice, StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                Report(node, $"{path}: '{choice}' is not allowed{Suggestions.DidYouMean(choice, allowed)}; allowed: {string.Join(", ", allowed)}");
                return null;
            }
            value = match;
        }
        return value;
    }

    /// <summary>A scalar's text with <c>${env:NAME}</c> references replaced; null for an empty value.</summary>
    private string? Scalar(YamlScalarNode node)
    {
        var text = node.Value;
        if (string.IsNullOrEmpty(text) || (node.Style == ScalarStyle.Plain && text is "~" or "null"))
            return null;
        if (!text.Contains("${", StringComparison.Ordinal))
            return text;
        return EnvReference().Replace(text, match =>
        {
            var name = match.Groups[1].Value;
            var value = environment(name);
            if (value is null)
                Report(node, $"the environment variable '{name}' is not set (referenced as ${{env:{name}}})");
            return value ?? "";
        });
    }

    internal static TimeSpan? ParseDuration(string text)
    {
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success)
            return null;
        var amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "s" or "" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            "d" => TimeSpan.FromDays(amount),
            _ => null,
        };
    }

    private static string Expected(KeySpec spec) => spec.Kind switch
    {
        ValueKind.Integer => "a whole number",
        ValueKind.Number => "a number",
        ValueKind.Boolean => "true or false",
        ValueKind.Duration => "a duration such as 500ms, 30s, 5m or 2h",
        ValueKind.Text when spec.Allowed is { } allowed => $"one of {string.Join(", ", allowed)}",
        _ => "a single value",
    };

    internal static string Describe(YamlNode? node) => node switch
    {
        YamlMappingNode => "a section of keys",
        YamlSequenceNode => "a list",
        YamlScalarNode { Value: null or "" } => "nothing",
        YamlScalarNode scalar => $"'{scalar.Value}'",
        _ => "nothing",
    };

    private static string Names(ConfigSchema schema) => string.Join(", ", schema.Keys.Select(k => k.Name));

    [GeneratedRegex(@"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex EnvReference();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
