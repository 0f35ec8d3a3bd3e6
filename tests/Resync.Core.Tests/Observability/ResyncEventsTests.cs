using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Resync.Core.Tests.Engine;

namespace Resync.Core.Tests.Observability;

/// <summary>The event catalogue: its table in docs/observability.md, and what a run writes into it.</summary>
public sealed partial class ResyncEventsTests
{
    private static readonly ErrorClassification EmailInvalid = new(ErrorType.Data, Durability.Durable, ErrorCodes.Required,
        "'bob-at-example' is not an e-mail address", "Fix the address.", ["email"]);

    [Fact]
    public void Catalogue_DocumentedTable_MatchesTheCode()
    {
        var documented = File.ReadAllLines(RepositoryFiles.PathOf("docs", "observability.md"))
            .Select(line => DocRow().Match(line)).Where(match => match.Success)
            .Select(match => $"{match.Groups["id"].Value} {match.Groups["name"].Value} {match.Groups["level"].Value} {match.Groups["fields"].Value.Trim()}")
            .ToList();

        var coded = typeof(ResyncEvents).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Select(method => method.GetCustomAttribute<LoggerMessageAttribute>()).OfType<LoggerMessageAttribute>()
            .OrderBy(attribute => attribute.EventId)
            .Select(attribute => $"{attribute.EventId} {attribute.EventName} {(attribute.Level == LogLevel.None ? "by status" : attribute.Level)} " +
                string.Join(", ", Placeholder().Matches(attribute.Message).Select(match => match.Groups[1].Value).Distinct()))
            .ToList();

        documented.ShouldBe(coded);
    }

    [Fact]
    public void Catalogue_IdsAndNames_AreUnique()
    {
        var attributes = typeof(ResyncEvents).GetMethods().Select(method => method.GetCustomAttribute<LoggerMessageAttribute>()).OfType<LoggerMessageAttribute>().ToList();
        attributes.Select(a => a.EventId).ShouldBeUnique();
        attributes.Select(a => a.EventName).ShouldBeUnique();
        attributes.ShouldAllBe(a => !string.IsNullOrEmpty(a.EventName));
    }

    [Fact]
    public async Task Run_WithRecordErrorsIgnoresWarningsAndABatchError_WritesEachEventWithItsFields()
    {
        await using var harness = await EngineHarness.StartAsync();
        var (result, events) = await RunMixedAsync(harness, new LinkSettings { Parallelism = 1 });

        var started = events.Named("RunStarted").ShouldHaveSingleItem();
        started.Id.ShouldBe(1001);
        Values(started, "RunId", "LinkId", "Tenant", "Kind", "Trigger").ShouldBe($"{result.RunId}|{EngineHarness.LinkId}|default|Manual|test");

        var failed = events.Named("RecordFailed").ShouldHaveSingleItem();
        failed.Level.ShouldBe(LogLevel.Warning);
        Values(failed, "RunId", "BatchNumber", "Position", "ErrorType", "Durability", "ErrorCode", "Step", "Fields")
            .ShouldBe($"{result.RunId}|1|1|Data|Durable|{ErrorCodes.Required}|check-email|email");
        events.Named("RecordIgnored").ShouldHaveSingleItem()["Step"].ShouldBe("skip-4");
        events.Named("RecordWarning").ShouldHaveSingleItem()["WarningCode"].ShouldBe("TRUNCATED");

        var batch = events.Named("BatchFailed").ShouldHaveSingleItem();
        Values(batch, "BatchNumber", "ErrorScope", "ErrorType", "ErrorCode", "Step").ShouldBe($"2|Batch|IncompleteData|{ErrorCodes.InvalidJson}|source");

        var finished = events.Named("RunFinished").ShouldHaveSingleItem();
        finished.Level.ShouldBe(LogLevel.Warning);
        Values(finished, "Status", "Read", "Succeeded", "Failed", "Ignored", "Warnings", "BatchesFailed", "BatchesTotal").ShouldBe("CompletedWithErrors|10|8|1|1|1|1|3");
    }

    [Fact]
    public async Task RecordEvents_LinkWithoutOptIn_CarryNoKeyNoMessageAndNoValue()
    {
        await using var harness = await EngineHarness.StartAsync();
        var (_, events) = await RunMixedAsync(harness, new LinkSettings { Parallelism = 1 });

        foreach (var record in events.All.Where(e => e.Id is >= 2000 and < 3000))
        {
            record.Fields.Where(f => f.Key is "RecordKey" or "ErrorMessage" or "Reason" or "WarningMessage").ShouldAllBe(f => f.Value == null);
            record.Message.ShouldNotContain("bob-at-example");
            record.Message.ShouldNotContain("c2");
        }
        JsonSerializer.Serialize(events.All.Select(e => e.Fields)).ShouldNotContain("example.com");
    }

    [Fact]
    public async Task RecordEvents_LinkOptsIn_CarryKeyAndMessage()
    {
        await using var harness = await EngineHarness.StartAsync();
        var (_, events) = await RunMixedAsync(harness, new LinkSettings { Parallelism = 1, LogRecordValues = true });

        var failed = events.Named("RecordFailed").ShouldHaveSingleItem();
        Values(failed, "RecordKey", "ErrorMessage").ShouldBe($"c2|{EmailInvalid.Message}");
        events.Named("RecordIgnored").ShouldHaveSingleItem()["Reason"].ShouldBe("not wanted");
    }

    /// <summary>Pages 1 and 3 of 5 contacts and a page 2 that is not JSON; c2 fails, c4 is ignored, c5 gets a warning.</summary>
    private static async Task<(Core.Engine.RunResult Result, CollectedEvents Events)> RunMixedAsync(EngineHarness harness, LinkSettings settings)
    {
        var source = ListSource.Paged(3, 5).FailPage(2, new JsonException("'<' is an invalid start of a value."));
        var link = EngineHarness.Link(source, new CollectingTarget(), settings,
            DelegateStep.FailWhen("check-email", record => record.Key == "c2", EmailInvalid),
            DelegateStep.IgnoreWhen("skip-4", record => record.Key == "c4", "not wanted"),
            DelegateStep.WarnWhen("cut", record => record.Key == "c5", new RecordWarning("cut", "TRUNCATED", "name 'Contact 5' was cut", "name")));
        var result = await harness.RunAsync(link);
        return (result, harness.Events);
    }

    private static string Values(CollectedEvent e, params string[] fields) => string.Join('|', fields.Select(field => e[field]));

    [GeneratedRegex(@"^\| (?<id>\d+) \| `(?<name>\w+)` \| (?<level>[\w ]+) \| (?<fields>[^|]*)\|$")]
    private static partial Regex DocRow();

    [GeneratedRegex(@"\{(\w+)(?::[^}]*)?\}")]
    private static partial Regex Placeholder();
}
