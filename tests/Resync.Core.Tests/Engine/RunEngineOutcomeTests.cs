using System.Runtime.CompilerServices;
using static Resync.Testing.TestRecords;

namespace Resync.Core.Tests.Engine;

/// <summary>Ignored records, warnings and snapshots: what is kept of each record, per the link's logging level.</summary>
public sealed class RunEngineOutcomeTests
{
    private static readonly ErrorClassification EmailRequired = new(ErrorType.Data, Durability.Durable, ErrorCodes.Required,
        "email is required", "Map a value for email.", ["email"]);

    private static readonly ErrorClassification NameTooLong = new(ErrorType.Data, Durability.Durable, "22001",
        "value too long for type character varying(10)", "Shorten it.", ["name"]);

    [Fact]
    public async Task StepIgnoresRecords_TheyCarryReasonAndStep_AndRunSucceeds()
    {
        await using var harness = await EngineHarness.StartAsync();
        var skip = DelegateStep.IgnoreWhen("skip-test-contacts", record => Id(record) % 4 == 0, "test contact");
        var target = new CollectingTarget();

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(2, 4), target, steps: skip));

        result.Status.ShouldBe(RunStatus.Succeeded);
        result.Counts.ShouldBe(new RunCounts(8, 6, 0, 2, 0, 0, 2, 0));
        target.Written.Select(Id).ShouldNotContain(4);
        target.Written.Select(Id).ShouldNotContain(8);

        var ignored = await harness.RecordsAsync(result.RunId, OutcomeKind.Ignored);
        ignored.Select(record => record.Key).ShouldBe(["c4", "c8"]);
        ignored.ShouldAllBe(record => record.IgnoredBy == "skip-test-contacts" && record.IgnoreReason == "test contact"
            && record.Error == null && record.BeforeJson == null);
        (await harness.BatchesAsync(result.RunId)).Select(batch => batch.Ignored).ShouldBe([1, 1]);
    }

    [Fact]
    public async Task TargetIgnoresRecord_ItCarriesTheTargetsReason()
    {
        await using var harness = await EngineHarness.StartAsync();
        var target = new CollectingTarget().IgnoreWhere(record => Id(record) == 2, "stale");

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(1, 3), target));

        result.Status.ShouldBe(RunStatus.Succeeded);
        result.Counts.ShouldBe(new RunCounts(3, 2, 0, 1, 0, 0, 1, 0));
        var ignored = (await harness.RecordsAsync(result.RunId)).ShouldHaveSingleItem();
        (ignored.Key, ignored.Outcome, ignored.IgnoredBy, ignored.IgnoreReason).ShouldBe(("c2", OutcomeKind.Ignored, "target", "stale"));
    }

    [Fact]
    public async Task Warnings_AreCountedAndKept_AndDoNotChangeTheOutcome()
    {
        await using var harness = await EngineHarness.StartAsync();
        var truncated = new RecordWarning("truncate-name", "TRUNCATED", "name cut to 5 characters", "name");
        var warn = DelegateStep.WarnWhen("truncate-name", record => Id(record) <= 3, truncated);

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(2, 5), new CollectingTarget(), steps: warn));

        result.Status.ShouldBe(RunStatus.Succeeded);
        result.Counts.ShouldBe(new RunCounts(10, 10, 0, 0, 0, Warnings: 3, 2, 0));
        var kept = await harness.RecordsAsync(result.RunId);
        kept.Select(record => record.Key).ShouldBe(["c1", "c2", "c3"]);
        kept.ShouldAllBe(record => record.Outcome == OutcomeKind.Succeeded && record.BeforeJson == null);
        kept.ShouldAllBe(record => record.Warnings.SequenceEqual(new[] { truncated }));
    }

    [Fact]
    public async Task Warnings_OnFailedRecords_AreCountedToo()
    {
        await using var harness = await EngineHarness.StartAsync();
        var warning = new RecordWarning("normalise", "DROPPED_FIELD", "unknown field 'fax' dropped", "fax");
        var warn = DelegateStep.WarnWhen("normalise", _ => true, warning);
        var fail = DelegateStep.FailWhen("require-email", record => Id(record) == 1, EmailRequired);

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(1, 2), new CollectingTarget(), null, warn, fail));

        result.Counts.ShouldBe(new RunCounts(2, 1, 1, 0, 0, Warnings: 2, 1, 0));
        var failed = (await harness.RecordsAsync(result.RunId, OutcomeKind.Failed)).ShouldHaveSingleItem();
        failed.Warnings.ShouldBe([warning]);
    }

    [Fact]
    public async Task LoggingLevelNone_KeepsNoSnapshot()
    {
        await using var harness = await EngineHarness.StartAsync();

        var records = await RunMixedAsync(harness, LoggingLevel.None);

        records.ShouldAllBe(record => record.BeforeJson == null && record.AfterJson == null);
    }

    [Fact]
    public async Task LoggingLevelErrors_KeepsSnapshotsOfFailedRecordsOnly()
    {
        await using var harness = await EngineHarness.StartAsync();

        var records = await RunMixedAsync(harness, LoggingLevel.Errors);

        var stepFailed = records[0];
        stepFailed.BeforeJson.ShouldNotBeNull().ShouldContain("\"name\":\"Contact 2\"");
        stepFailed.BeforeJson.ShouldContain("\"email\":null");
        records[1].BeforeJson.ShouldBeNull();
        records[1].AfterJson.ShouldBeNull();
        // The target refused what the steps made of the record: "after" is what was sent.
        var targetFailed = records[2];
        targetFailed.BeforeJson.ShouldNotBeNull().ShouldContain("\"name\":\"Contact 4\"");
        targetFailed.AfterJson.ShouldNotBeNull().ShouldContain("\"name\":\"CONTACT 4\"");
    }

    [Fact]
    public async Task LoggingLevelAll_KeepsSnapshotsOfEveryRecord()
    {
        await using var harness = await EngineHarness.StartAsync();

        var records = await RunMixedAsync(harness, LoggingLevel.All);

        records.ShouldAllBe(record => record.BeforeJson != null);
        records[0].AfterJson.ShouldNotBeNull().ShouldContain("\"name\":\"CONTACT 1\"");
        records[4].AfterJson.ShouldNotBeNull().ShouldContain("\"name\":\"CONTACT 5\"");
    }

    [Fact]
    public async Task FreshRecordsThroughBuiltInSteps_ChangedInPlace_KeepTheirBeforeSnapshots()
    {
        await using var harness = await EngineHarness.StartAsync();
        // Built-in steps name the fields they change, and fresh records are the batch's own: the engine changes them in
        // place and rebuilds "before" from the values it saved, for every kind of kept record.
        var source = new FreshSource([Contact(1), Contact(2, null), Contact(3), Contact(4)]);
        var target = new CollectingTarget().Refuse(record => Id(record) == 4, NameTooLong);
        var link = EngineHarness.Link(source, target, new LinkSettings { Parallelism = 1, LoggingLevel = LoggingLevel.All },
            new TruncateStep("short-name", "name", 4), new RenameStep("mail", "email", "mail"), new SetStep("origin", "origin", "api"),
            new ValidateStep("require-mail", "mail", new ValidationRules { Required = true }));

        var result = await harness.RunAsync(link);

        result.Counts.ShouldBe(new RunCounts(4, 2, 2, 0, 0, Warnings: 4, 1, 0)); // (each name truncated warns)
        target.Written.Select(record => record["name"]).ShouldBe(["Cont", "Cont"]);
        var records = await harness.RecordsAsync(result.RunId);
        records.Select(record => (record.Key, record.Outcome)).ShouldBe(
            [("c1", OutcomeKind.Succeeded), ("c2", OutcomeKind.Failed), ("c3", OutcomeKind.Succeeded), ("c4", OutcomeKind.Failed)]);
        foreach (var record in records)
        {
            var id = record.Key![1..];
            record.BeforeJson.ShouldNotBeNull().ShouldContain($"\"name\":\"Contact {id}\"");
            record.BeforeJson.ShouldContain("\"email\":");
            record.BeforeJson.ShouldNotContain("\"mail\"");
            record.BeforeJson.ShouldNotContain("origin");
            record.AfterJson.ShouldNotBeNull().ShouldContain("\"name\":\"Cont\"");
            record.AfterJson.ShouldContain("\"mail\":");
            record.AfterJson.ShouldNotContain("\"email\"");
            record.AfterJson.ShouldContain("\"origin\":\"api\"");
        }
    }

    /// <summary>
    /// One page of five contacts through "upper-name", "require-email" and "skip": c1 and c5 succeed, c2 has no
    /// email (step failure), c3 is ignored, c4 is refused by the target. Returns the records kept at <paramref name="level"/>.
    /// </summary>
    private static async Task<IReadOnlyList<RecordView>> RunMixedAsync(EngineHarness harness, LoggingLevel level)
    {
        var page = new[] { Contact(1), Contact(2, null), Contact(3), Contact(4), Contact(5) };
        var upper = DelegateStep.Set("upper-name", "name", record => ((string)record["name"]!).ToUpperInvariant());
        var requireEmail = DelegateStep.FailWhen("require-email", record => record["email"] is null, EmailRequired);
        var skip = DelegateStep.IgnoreWhen("skip", record => Id(record) == 3, "not for this target");
        var target = new CollectingTarget().Refuse(record => Id(record) == 4, NameTooLong);
        var link = EngineHarness.Link(new ListSource(page), target, new LinkSettings { Parallelism = 1, LoggingLevel = level }, upper, requireEmail, skip);

        var result = await harness.RunAsync(link);

        result.Counts.ShouldBe(new RunCounts(5, 2, 2, 1, 0, 0, 1, 0));
        // The source's records are never changed by the steps.
        page[0]["name"].ShouldBe("Contact 1");
        var records = await harness.RecordsAsync(result.RunId);
        // Every level keeps a row for each failed and ignored record; only All keeps the succeeded ones too.
        (string?, OutcomeKind)[] kept = level == LoggingLevel.All
            ? [("c1", OutcomeKind.Succeeded), ("c2", OutcomeKind.Failed), ("c3", OutcomeKind.Ignored), ("c4", OutcomeKind.Failed), ("c5", OutcomeKind.Succeeded)]
            : [("c2", OutcomeKind.Failed), ("c3", OutcomeKind.Ignored), ("c4", OutcomeKind.Failed)];
        records.Select(record => (record.Key, record.Outcome)).ShouldBe(kept);
        return records;
    }

    /// <summary>One page of records made afresh for each read, as a source that parses an answer makes them.</summary>
    private sealed class FreshSource(IReadOnlyList<Records.Record> page) : ISource
    {
        public async IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return Page();
        }

        public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) => Task.FromResult(Page());

        private SourcePage Page() => SourcePage.Fresh("1", [.. page.Select(record => record.Clone())]);
    }
}
