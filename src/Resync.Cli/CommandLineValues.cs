using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Resync.Cli;

/// <summary>
/// Arguments and options whose values get a message in the CLI's words when they do not parse ("'abc' is not a run id"),
/// instead of the parser's (which names .NET types), and counts that refuse what cannot be meant (<c>--limit 0</c>).
/// </summary>
internal static class CommandLineValues
{
    /// <summary>An object's number: a whole number from 1. <paramref name="what"/> names it in errors ("run id").</summary>
    public static Argument<long> Id(string name, string description, string what) => new(name)
    {
        Description = description,
        CustomParser = result => ParseId(result, result.Tokens.Single().Value, what),
    };

    /// <summary>Any number of object numbers.</summary>
    public static Argument<long[]> Ids(string name, string description, string what) => new(name)
    {
        Description = description,
        Arity = ArgumentArity.ZeroOrMore,
        CustomParser = result => [.. result.Tokens.Select(token => ParseId(result, token.Value, what))],
    };

    /// <summary>A count option (<c>--limit</c>, <c>--offset</c>): a whole number of at least <paramref name="minimum"/>.</summary>
    public static Option<int> Count(string name, string description, int defaultValue, int minimum) => new(name)
    {
        Description = $"{description} (default {defaultValue}).",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= minimum)
                return value;
            result.AddError($"{name} takes a whole number of at least {minimum}; found '{text}'.");
            return defaultValue;
        },
    };

    private static long ParseId(ArgumentResult result, string text, string what)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
            return id;
        result.AddError($"'{text}' is not a {what}: {what}s are whole numbers from 1.");
        return 0;
    }
}
