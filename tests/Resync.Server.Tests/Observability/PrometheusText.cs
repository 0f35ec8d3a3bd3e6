using System.Globalization;
using System.Text.RegularExpressions;

namespace Resync.Server.Tests.Observability;

/// <summary>A strict reader of the Prometheus text format (version 0.0.4): every line is a comment, blank or a sample.</summary>
internal static partial class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>The samples; throws naming the line when one is neither a comment nor a well-formed sample.</summary>
    public static IReadOnlyList<Sample> Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var (line, number) in text.Split('\n').Select((line, index) => (line, index + 1)))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                if (line.StartsWith("# TYPE ", StringComparison.Ordinal) && !TypeLine().IsMatch(line))
                    throw new FormatException($"line {number}: bad TYPE line: {line}");
                continue;
            }
            var match = SampleLine().Match(line);
            if (!match.Success)
                throw new FormatException($"line {number}: not a sample: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(pair => pair.Groups[1].Value, pair => Regex.Unescape(pair.Groups[2].Value));
            samples.Add(new Sample(match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture)));
        }
        return samples;
    }

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    public static double Sum(this IReadOnlyList<Sample> samples, string name, params (string Label, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var value) && value == l.Value)).Sum(s => s.Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\]|\\.)*"",?)*)\})? (?<value>[-+]?(\d+(\.\d*)?([eE][-+]?\d+)?|Inf|NaN))( -?\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();

    [GeneratedRegex(@"^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();
}
