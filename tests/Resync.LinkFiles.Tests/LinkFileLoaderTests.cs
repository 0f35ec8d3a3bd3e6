using Resync.Connectors;
using Resync.Core.Errors;
using Resync.Core.Links;

namespace Resync.LinkFiles.Tests;

public sealed class LinkFileLoaderTests
{
    private const string Valid = """
        name: contacts
        source:
          type: demo
          records: 10
        steps:
          - validate:
              field: email
              required: true
        target:
          type: demo
          path: out.db
        settings:
          batchSize: 5
          parallelism: 1
          loggingLevel: all
          errorTypes:
            HTTP_500: Connection
        """;

    private static LinkFileResult Parse(string yaml, Func<string, string?>? environment = null) =>
        new LinkFileLoader(BuiltInConnectors.CreateCatalog(), environment ?? (_ => null))
            .Parse(yaml, "link.yaml", Directory.CreateTempSubdirectory("resync-link-").FullName);

    [Fact]
    public void ValidFile_BuildsLinkWithSettings()
    {
        var result = Parse(Valid);

        result.Problems.ShouldBeEmpty();
        var link = result.Link.ShouldNotBeNull();
        link.Id.ShouldBe("contacts");
        link.Tenant.ShouldBe(Tenants.Default);
        link.Steps.Single().Name.ShouldBe("validate(email)");
        link.Settings.BatchSize.ShouldBe(5);
        link.Settings.LoggingLevel.ShouldBe(LoggingLevel.All);
        link.Settings.ErrorTypeOverrides["HTTP_500"].ShouldBe(ErrorType.Connection);
    }

    [Fact]
    public void AutomatedReplay_DelaysAndIncludeDurable_AreRead_DefaultsWhenAbsent()
    {
        var link = Parse(Valid.Replace("parallelism: 1", "parallelism: 1\n  automatedReplay: { enabled: true, includeDurable: true, delays: [0s, 1m] }", StringComparison.Ordinal))
            .Link.ShouldNotBeNull();
        var plain = Parse(Valid).Link.ShouldNotBeNull();

        link.Settings.ReplayIncludesDurable.ShouldBeTrue();
        link.Settings.ReplayDelays.ShouldBe([TimeSpan.Zero, TimeSpan.FromMinutes(1)]);
        plain.Settings.ReplayIncludesDurable.ShouldBeFalse();
        plain.Settings.ReplayDelays.ShouldBe(LinkSettings.DefaultReplayDelays);
    }

    [Fact]
    public void AutomatedReplay_DelayThatIsNoDuration_IsReportedWithItsKey()
    {
        var result = Parse(Valid.Replace("parallelism: 1", "parallelism: 1\n  automatedReplay: { enabled: true, delays: [soon] }", StringComparison.Ordinal));

        result.Problems.ShouldHaveSingleItem().Message.ShouldContain("'soon' is not a duration such as 0s, 30s, 5m or 2h");
    }

    [Fact]
    public void TypoInKey_IsReportedWithLineColumnAndSuggestion()
    {
        var result = Parse(Valid.Replace("batchSize: 5", "batchSzie: 5", StringComparison.Ordinal));

        var problem = result.ShouldBeRefusedForOneProblem();
        problem.Line.ShouldBe(13);
        problem.Column.ShouldBe(3);
        problem.Message.ShouldContain("unknown key 'batchSzie' in link.settings");
        problem.Message.ShouldContain("did you mean 'batchSize'?");
        problem.ToString().ShouldStartWith("link.yaml:13:3: ");
    }

    [Fact]
    public void MissingSource_IsReported()
    {
        var yaml = string.Join('\n', Valid.Split('\n').Where((_, i) => i is not (1 or 2 or 3)));
        var result = Parse(yaml);

        result.Problems.ShouldHaveSingleItem().Message.ShouldContain("the required key 'source' is missing");
    }

    [Fact]
    public void WrongType_SaysWhatWasExpectedAndFound()
    {
        var result = Parse(Valid.Replace("records: 10", "records: ten", StringComparison.Ordinal));

        var problem = result.Problems.ShouldHaveSingleItem();
        problem.Line.ShouldBe(4);
        problem.Message.ShouldBe("source.demo.records: expected a whole number, found 'ten'");
    }

    [Fact]
    public void UnknownSourceType_SuggestsTheClosest()
    {
        var result = Parse(Valid.Replace("type: demo\n  records", "type: dmeo\n  records", StringComparison.Ordinal));

        result.Problems.ShouldHaveSingleItem().Message.ShouldContain("unknown source type 'dmeo' — did you mean 'demo'?");
    }

    [Fact]
    public void SourceWithATypeWrittenAsAKey_ReportsTheMissingTypeAndTheUnknownKey()
    {
        var messages = Parse("name: x\nsource: { htpp: {}, tabel: x }\ntarget: { type: demo, path: t.db }\n").Problems.Select(p => p.ToString()).ToList();

        messages.ShouldContain(m => m.Contains("source: the required key 'type' is missing", StringComparison.Ordinal));
        messages.ShouldContain("link.yaml:2:11: unknown key 'htpp' in source — did you mean 'type: http'?");
        messages.ShouldContain("link.yaml:2:21: unknown key 'tabel' in source — did you mean 'table'?");
    }

    [Fact]
    public void EveryProblem_IsReportedAtOnce()
    {
        var yaml = Valid
            .Replace("records: 10", "records: ten", StringComparison.Ordinal)
            .Replace("required: true", "requird: true", StringComparison.Ordinal)
            .Replace("loggingLevel: all", "loggingLevel: verbose", StringComparison.Ordinal);

        var messages = Parse(yaml).Problems.Select(p => p.Message).ToList();

        messages.Count.ShouldBe(3);
        messages.ShouldContain(m => m.Contains("records", StringComparison.Ordinal));
        messages.ShouldContain(m => m.Contains("did you mean 'required'?", StringComparison.Ordinal));
        messages.ShouldContain(m => m.Contains("'verbose' is not allowed", StringComparison.Ordinal) && m.Contains("none, errors, all", StringComparison.Ordinal));
    }

    [Fact]
    public void YamlTheReaderItselfChokesOn_IsAProblem_NotAnException()
    {
        // Found by the server's randomised test: YamlDotNet's scanner throws InvalidOperationException on this.
        var result = Parse("name: x\nsource: { type: push, keyF\nield: id }\ntarget: { type: collect }\ntrigger:\"/a/%2e\" { push: tcrue, manual: false }\n");

        result.ShouldBeRefusedForOneProblem().Message.ShouldStartWith("not valid YAML");
    }

    [Theory]
    [InlineData("name: \"\\ud800\\ud800records\"\n")]
    [InlineData("{\"allOrNone\":{\"phone\":\"\\ud800\\ud800records\",\"n\":123456789012345678901234567890},\"attributes\":{\"parentField\":1e999}}\n")]
    public void EscapeOfALoneSurrogate_IsAProblem_NotAnException(string yaml)
    {
        // Found by the server's randomised test: a JSON-style link document with "\ud800" answered 500.
        var result = Parse(yaml);

        result.Link.ShouldBeNull();
        result.Problems.ShouldNotBeEmpty();
    }

    [Fact]
    public void MalformedYaml_IsReportedWithItsPosition()
    {
        var result = Parse("name: x\nsource: [unclosed\n");

        var problem = result.Problems.ShouldHaveSingleItem();
        problem.Message.ShouldStartWith("not valid YAML");
        problem.Line.ShouldBeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public void StepWithoutMandatoryReason_IsRefused()
    {
        var yaml = Valid.Replace("  - validate:\n      field: email\n      required: true", "  - filter:\n      field: status\n      equals: archived", StringComparison.Ordinal);

        Parse(yaml).Problems.ShouldHaveSingleItem().Message.ShouldContain("the required key 'reason' is missing");
    }

    [Fact]
    public void EnvironmentReference_IsResolved_AndAMissingVariableIsReported()
    {
        var yaml = Valid.Replace("path: out.db", "path: ${env:TARGET_DB}", StringComparison.Ordinal);

        Parse(yaml, name => name == "TARGET_DB" ? "from-env.db" : null).Problems.ShouldBeEmpty();
        Parse(yaml).Problems.ShouldHaveSingleItem().Message.ShouldContain("environment variable 'TARGET_DB' is not set");
    }

    [Fact]
    public void InvalidSettings_AreReported()
    {
        Parse(Valid.Replace("parallelism: 1", "parallelism: 0", StringComparison.Ordinal))
            .Problems.ShouldHaveSingleItem().Message.ShouldContain("parallelism must be between 1 and 256");
    }

    [Fact]
    public void MissingFile_IsAProblemNotAnException()
    {
        var result = new LinkFileLoader(BuiltInConnectors.CreateCatalog()).Load("does-not-exist.yaml");

        result.Problems.ShouldHaveSingleItem().Message.ShouldBe("the link file does not exist");
    }

    [Fact]
    public void Trigger_ScheduleIsParsed_AndABadCronIsReportedAtItsLine()
    {
        var scheduled = Parse(Valid + "\ntrigger:\n  schedule: \"*/15 * * * *\"\n");
        var bad = Parse(Valid + "\ntrigger:\n  schedule: \"*/15 * * *\"\n");

        scheduled.Link!.Trigger.Schedule.ShouldBeOfType<Resync.Core.Scheduling.CronSchedule>().Expression.ShouldBe("*/15 * * * *");
        var problem = bad.Problems.ShouldHaveSingleItem();
        problem.Message.ShouldContain("link.trigger.schedule.cron: '*/15 * * *' is not a cron expression");
        problem.Line.ShouldBe(19);
    }

    [Fact]
    public void Trigger_ScheduleWithATimeZone_ReadsTheCronThere()
    {
        var result = Parse(Valid + "\ntrigger:\n  schedule: { cron: \"0 2 * * *\", timeZone: \"Europe/Zurich\" }\n");

        var schedule = result.Link!.Trigger.Schedule.ShouldBeOfType<Resync.Core.Scheduling.CronSchedule>();
        schedule.Expression.ShouldBe("0 2 * * *");
        schedule.TimeZone.Id.ShouldBe("Europe/Zurich");
        schedule.ToString().ShouldBe("0 2 * * * (Europe/Zurich)");
    }

    [Theory]
    [InlineData("{ cron: \"0 2 * * *\", timeZone: \"Europe/Zurch\" }", "link.trigger.schedule.timeZone: 'Europe/Zurch' is not a known time zone")]
    [InlineData("{ cron: \"0 2 * * *\", timeZone: \"../../etc/passwd\" }", "link.trigger.schedule.timeZone: '../../etc/passwd' is not a time zone name")]
    [InlineData("{ cron: \"0 25 * * *\", timeZone: UTC }", "link.trigger.schedule.cron: '0 25 * * *' is not a cron expression: Hours: Value must be a number between 0 and 23")]
    [InlineData("{ timeZone: UTC }", "link.trigger.schedule: the required key 'cron' is missing")]
    [InlineData("{ cron: \"0 2 * * *\", timezone: UTC }", "unknown key 'timezone' in link.trigger.schedule — did you mean 'timeZone'?")]
    public void Trigger_BadSchedule_IsReportedNamingTheField(string schedule, string expected) =>
        Parse(Valid + $"\ntrigger:\n  schedule: {schedule}\n").Problems.ShouldHaveSingleItem().Message.ShouldContain(expected);

    [Fact]
    public void DurationValues_AcceptUnits()
    {
        SectionReader.ParseDuration("500ms").ShouldBe(TimeSpan.FromMilliseconds(500));
        SectionReader.ParseDuration("30s").ShouldBe(TimeSpan.FromSeconds(30));
        SectionReader.ParseDuration("5m").ShouldBe(TimeSpan.FromMinutes(5));
        SectionReader.ParseDuration("2h").ShouldBe(TimeSpan.FromHours(2));
        SectionReader.ParseDuration("soon").ShouldBeNull();
    }
}
