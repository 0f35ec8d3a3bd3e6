using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Resync.Core.Observability;

namespace Resync.Server.Tests;

/// <summary>The server's log messages: one id each, inside the ranges docs/observability.md gives them.</summary>
public sealed partial class ServerLogTests
{
    private static IEnumerable<LoggerMessageAttribute> Messages(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Select(method => method.GetCustomAttribute<LoggerMessageAttribute>()).OfType<LoggerMessageAttribute>();

    [Fact]
    public void EventIds_AreUnique_AndNoneIsTheCataloguesToo()
    {
        var ids = Messages(typeof(ServerLog)).Concat(Messages(typeof(ResyncEvents))).Select(message => message.EventId).ToList();

        ids.ShouldBeUnique();
    }

    [Fact]
    public void EveryEventId_IsInARangeTheDocsGiveTheServer()
    {
        var ranges = File.ReadAllLines(RepositoryFiles.PathOf("docs", "observability.md"))
            .Select(line => RangeRow().Match(line)).Where(match => match.Success)
            .Select(match => (From: int.Parse(match.Groups["from"].Value, System.Globalization.CultureInfo.InvariantCulture),
                To: int.Parse(match.Groups["to"].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();

        ranges.ShouldNotBeEmpty();
        Messages(typeof(ServerLog)).ShouldAllBe(message => ranges.Any(range => message.EventId >= range.From && message.EventId <= range.To));
    }

    [GeneratedRegex(@"^\| (?<from>\d+)–(?<to>\d+) \| [^|]+ \| `Resync\.Server\.ServerLog` \|$")]
    private static partial Regex RangeRow();
}
