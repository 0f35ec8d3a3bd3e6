using System.CommandLine;
using System.CommandLine.Parsing;
using Resync.LinkFiles;

namespace Resync.Cli.Output;

/// <summary>
/// What a command line that does not parse gets: a group named without its command (bare <c>resync</c>, <c>resync keys</c>)
/// shows its help; an unknown command one error with the nearest command; anything else its first error and the rest.
/// All exit with <see cref="ExitCodes.Usage"/>.
/// </summary>
internal static class UsageErrors
{
    public static async Task<int> ReportAsync(ParseResult parsed, bool json)
    {
        var words = Words(parsed.CommandResult);
        var path = string.Join(' ', ["resync", .. words]);
        var command = parsed.CommandResult.Command;
        if (command.Subcommands.Count > 0 && command.Action is null)
        {
            var names = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
            var word = parsed.UnmatchedTokens.FirstOrDefault(token => !token.StartsWith('-'));
            if (word is not null)
                return await ErrorOutput.WriteAsync(json, ExitCodes.Usage, $"'{word}' is not a {path} command{Suggestions.DidYouMean(word, names)}",
                    $"Run '{path} --help' for its commands: {string.Join(", ", names)}.");
            if (json)
                return await ErrorOutput.WriteAsync(json, ExitCodes.Usage, $"Say which {path} command to run: {string.Join(", ", names)}.", $"Run '{path} --help' for what each does.");
            await parsed.RootCommandResult.Command.Parse([.. words, "--help"]).InvokeAsync();
            return ExitCodes.Usage;
        }
        var messages = parsed.Errors.Select(e => e.Message).Distinct().ToList();
        return await ErrorOutput.WriteAsync(json, ExitCodes.Usage, messages[0], $"Run '{path} --help' for usage.", messages[1..]);
    }

    /// <summary>The command's words after <c>resync</c>: <c>incomplete show</c>.</summary>
    private static string[] Words(CommandResult result) =>
        result.Parent is CommandResult parent ? [.. Words(parent), result.Command.Name] : [];
}
