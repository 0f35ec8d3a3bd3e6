using Record = Resync.Core.Records.Record;
using static Resync.Testing.TestRecords;

namespace Resync.Core.Tests.Engine;

/// <summary>Record errors: one record fails, its siblings in the batch go on, and the run completes with errors.</summary>
public sealed class RunEngineRecordErrorTests
{
    private static readonly ErrorClassification EmailRequired = new(ErrorType.Data, Durability.Durable, ErrorCodes.Required,
        "email is required", "Map a value for email or ignore contacts without one.", ["email"]);

    [Fact]
    public async Task StepFailure_FailsOnlyThatRecord_AndRunCompletesWithErrors()
    {
        await using var harness = await EngineHarness.StartAsync();
        var source = new ListSource(PageWithoutEmail(1, missing: 3), PageWithoutEmail(11, missing: 13), Contacts(21, 10));
        var target = new CollectingTarget();
        var requireEmail = DelegateStep.FailWhen("require-email", record => record["email"] is null, EmailRequired);

        var result = await harness.RunAsync(EngineHarness.Link(source, target, steps: requireEmail));

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.SystemError.ShouldBeNull();
        result.Counts.ShouldBe(new RunCounts(30, 28, 2, 0, 0, 0, 3, 0));
        target.Written.Select(Id).Order().ShouldBe(Enumerable.Range(1, 30).Select(id => (long)id).Except([3, 13]));

        var batches = await harness.BatchesAsync(result.RunId);
        batches.Select(batch => batch.Status).ShouldBe([BatchStatus.CompletedWithErrors, BatchStatus.CompletedWithErrors, BatchStatus.Succeeded]);
        batches.ShouldAllBe(batch => batch.Error == null);

        var failed = await harness.RecordsAsync(result.RunId, OutcomeKind.Failed);
        failed.Select(record => record.Key).ShouldBe(["c3", "c13"]);
        failed.Select(record => record.Position).ShouldBe([2, 2]);
        failed.ShouldAllBe(record => record.Error!.Scope == ErrorScope.Record && record.Error.Type == ErrorType.Data
            && record.Error.Code == ErrorCodes.Required && record.Error.Step == "require-email" && record.Error.Fields.SequenceEqual(new[] { "email" })
            && record.Error.OccurredAt == ManualTimeProvider.DefaultStart);

        var group = (await harness.ErrorGroupsAsync(result.RunId)).ShouldHaveSingleItem();
        group.ShouldSatisfyAllConditions(
            () => group.Type.ShouldBe(ErrorType.Data),
            () => group.Code.ShouldBe(ErrorCodes.Required),
            () => group.Step.ShouldBe("require-email"),
            () => group.Fields.ShouldBe(["email"]),
            () => group.Count.ShouldBe(2),
            () => group.SampleMessage.ShouldBe("email is required"),
            () => group.SampleKey.ShouldBeOneOf("c3", "c13"),
            () => group.Hint.ShouldBe(EmailRequired.Hint));
    }

    [Fact]
    public async Task TargetRefusesRecord_FailsOnlyThatRecord_WithTheTargetsClassification()
    {
        await using var harness = await EngineHarness.StartAsync();
        var duplicate = ErrorClassifier.Default.ClassifySqlite(19, 2067, "SQLite Error 19: 'UNIQUE constraint failed: contacts.email'.");
        var target = new CollectingTarget().Refuse(record => Id(record) == 7, duplicate);

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(2, 5), target));

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.Counts.ShouldBe(new RunCounts(10, 9, 1, 0, 0, 0, 2, 0));
        target.Written.Select(Id).ShouldNotContain(7);

        var failed = (await harness.RecordsAsync(result.RunId)).ShouldHaveSingleItem();
        failed.ShouldSatisfyAllConditions(
            () => failed.Outcome.ShouldBe(OutcomeKind.Failed),
            () => failed.Key.ShouldBe("c7"),
            () => failed.BatchNumber.ShouldBe(2),
            () => failed.Position.ShouldBe(1),
            () => failed.Error!.Scope.ShouldBe(ErrorScope.Record),
            () => failed.Error!.Type.ShouldBe(ErrorType.DuplicateData),
            () => failed.Error!.Code.ShouldBe("SQLITE_CONSTRAINT_UNIQUE"),
            () => failed.Error!.Step.ShouldBe("target"),
            () => failed.Error!.Fields.ShouldBe(["email"]));

        (await harness.BatchesAsync(result.RunId)).Select(batch => batch.Status).ShouldBe([BatchStatus.Succeeded, BatchStatus.CompletedWithErrors]);
        var group = (await harness.ErrorGroupsAsync(result.RunId)).ShouldHaveSingleItem();
        (group.Type, group.Code, group.Step, group.Count).ShouldBe((ErrorType.DuplicateData, "SQLITE_CONSTRAINT_UNIQUE", "target", 1L));
    }

    [Fact]
    public async Task StepThrows_FailsOnlyThatRecord_AsUnexpectedRuntimeError()
    {
        await using var harness = await EngineHarness.StartAsync();
        var buggy = new DelegateStep("parse-phone", context =>
            Id(context.Record) == 4 ? throw new FormatException("phone '+1 (555' is cut short") : StepResult.Continue);

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(1, 6), new CollectingTarget(), steps: buggy));

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.Counts.ShouldBe(new RunCounts(6, 5, 1, 0, 0, 0, 1, 0));
        var failed = (await harness.RecordsAsync(result.RunId, OutcomeKind.Failed)).ShouldHaveSingleItem();
        failed.Key.ShouldBe("c4");
        (failed.Error!.Scope, failed.Error.Type, failed.Error.Durability, failed.Error.Code, failed.Error.Step)
            .ShouldBe((ErrorScope.Record, ErrorType.Runtime, Durability.Durable, ErrorCodes.Unexpected, "parse-phone"));
        failed.Error.Message.ShouldContain("cut short");
    }

    [Fact]
    public async Task RecordErrorsInEveryBatch_NeverFailABatchOrTheRun()
    {
        await using var harness = await EngineHarness.StartAsync();
        var everyFifth = DelegateStep.FailWhen("require-email", record => Id(record) % 5 == 0, EmailRequired);

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(4, 10), new CollectingTarget(), steps: everyFifth));

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.Counts.ShouldBe(new RunCounts(40, 32, 8, 0, 0, 0, 4, 0));
        (await harness.BatchesAsync(result.RunId)).ShouldAllBe(batch => batch.Status == BatchStatus.CompletedWithErrors && batch.Failed == 2);
        (await harness.GetRunAsync(result.RunId)).BatchErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task TargetReportsTwoIssuesForOneRecord_LaterRefusedRecordsStillFail()
    {
        // A bulk endpoint may report several problems for one item; the records after it must keep their own outcome.
        await using var harness = await EngineHarness.StartAsync();
        var tooLong = new ErrorClassification(ErrorType.Data, Durability.Durable, "HTTP_422", "name too long", "Shorten it.", ["name"]);
        var badEmail = new ErrorClassification(ErrorType.Data, Durability.Durable, "HTTP_422", "email invalid", "Fix it.", ["email"]);
        await using var target = new IssuesTarget(new TargetWriteResult(
            [new TargetRecordIssue(0, tooLong), new TargetRecordIssue(0, badEmail), new TargetRecordIssue(2, badEmail)]));

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(1, 4), target));

        result.Counts.ShouldBe(new RunCounts(4, 2, 2, 0, 0, 0, 1, 0));
        var failed = await harness.RecordsAsync(result.RunId, OutcomeKind.Failed);
        failed.Select(record => record.Key).ShouldBe(["c1", "c3"]);
        failed[0].Error!.Message.ShouldBe("name too long");
        failed[1].Error!.Message.ShouldBe("email invalid");
    }

    [Fact]
    public async Task ErrorGroupSample_KeyAndMessageComeFromTheSameRecord()
    {
        await using var harness = await EngineHarness.StartAsync();
        // Same type, code, step and field, different messages: c1's message sorts after c2's.
        var step = new DelegateStep("check-email", context => Id(context.Record) switch
        {
            1 => StepResult.Fail(EmailRequired with { Message = "z: email 'zed@' is not an address" }),
            2 => StepResult.Fail(EmailRequired with { Message = "a: email 'al@' is not an address" }),
            _ => StepResult.Continue,
        });

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(1, 3), new CollectingTarget(), steps: step));

        var group = (await harness.ErrorGroupsAsync(result.RunId)).ShouldHaveSingleItem();
        group.Count.ShouldBe(2);
        var sampled = (await harness.RecordsAsync(result.RunId, OutcomeKind.Failed)).Single(record => record.Key == group.SampleKey);
        group.SampleMessage.ShouldBe(sampled.Error!.Message);
    }

    private static Record[] PageWithoutEmail(long firstId, long missing) =>
        [.. Contacts(firstId, 10).Select(record => Id(record) == missing ? Contact(missing, null) : record)];

    /// <summary>A target that answers every batch with the same issues.</summary>
    private sealed class IssuesTarget(TargetWriteResult answer) : ITarget
    {
        public Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken) => Task.FromResult(answer);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
