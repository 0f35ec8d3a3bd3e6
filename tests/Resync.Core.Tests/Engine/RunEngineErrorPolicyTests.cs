using Record = Resync.Core.Records.Record;
using static Resync.Testing.TestRecords;

namespace Resync.Core.Tests.Engine;

/// <summary>
/// Error policies: for every error type and every action it may take, where each record of a run ends (succeeded, failed,
/// ignored, parked) and that the run still accounts for every record read (checked by the harness after each run).
/// </summary>
public sealed class RunEngineErrorPolicyTests
{
    /// <summary>Two pages of five; the target refuses records 2 and 4 (both in the first batch) with an error of the given type.</summary>
    private static (ListSource Source, CollectingTarget Target) RefusingTwoOfTen(ErrorType type)
    {
        var target = new CollectingTarget().Refuse(record => Id(record) is 2 or 4, Error(type));
        return (ListSource.Paged(2, 5), target);
    }

    private static ErrorClassification Error(ErrorType type) =>
        new(type, type is ErrorType.Connection or ErrorType.RateLimit or ErrorType.IncompleteData ? Durability.Ephemeral : Durability.Durable,
            $"TEST_{type}".ToUpperInvariant(), $"refused with a {type} error");

    private static LinkSettings Settings(ErrorType type, ErrorTypePolicy policy) => new()
    {
        BatchSize = 5,
        Parallelism = 1,
        ErrorPolicies = new Dictionary<ErrorType, ErrorTypePolicy> { [type] = policy },
    };

    /// <summary>Every type with every action its validation accepts (the refused ones are tested in <c>ErrorPoliciesTests</c>).</summary>
    public static TheoryData<ErrorType, ErrorAction> AcceptedPolicies()
    {
        var data = new TheoryData<ErrorType, ErrorAction>();
        foreach (var type in Enum.GetValues<ErrorType>())
        {
            foreach (var action in Enum.GetValues<ErrorAction>())
            {
                if (ErrorPolicies.Validate(Settings(type, Policy(action))).Count == 0)
                    data.Add(type, action);
            }
        }
        return data;
    }

    private static ErrorTypePolicy Policy(ErrorAction action) =>
        new() { Then = action, Reason = action == ErrorAction.Ignore ? "known bad rows" : null };

    [Theory]
    [MemberData(nameof(AcceptedPolicies))]
    public async Task TargetRefusesRecords_PolicyForTheirType_DecidesWhereEachEnds(ErrorType type, ErrorAction action)
    {
        await using var harness = await EngineHarness.StartAsync();
        var (source, target) = RefusingTwoOfTen(type);

        var result = await harness.RunAsync(EngineHarness.Link(source, target, Settings(type, Policy(action))));

        var counts = result.Counts;
        counts.Read.ShouldBe(counts.Succeeded + counts.Failed + counts.Ignored + counts.Incomplete);
        var refused = await harness.RecordsAsync(result.RunId);
        switch (action)
        {
            case ErrorAction.Fail:
                (result.Status, counts.Succeeded, counts.Failed, counts.Ignored, counts.Incomplete).ShouldBe((RunStatus.CompletedWithErrors, 8L, 2L, 0L, 0L));
                refused.ShouldAllBe(record => record.Outcome == OutcomeKind.Failed && record.Error!.Type == type);
                break;
            case ErrorAction.Park:
                (result.Status, counts.Succeeded, counts.Failed, counts.Ignored, counts.Incomplete).ShouldBe((RunStatus.CompletedWithErrors, 8L, 0L, 0L, 2L));
                refused.Select(record => (record.Key, record.Outcome, record.Error!.Code)).ShouldBe([("c2", OutcomeKind.Incomplete, $"TEST_{type}".ToUpperInvariant()),
                    ("c4", OutcomeKind.Incomplete, $"TEST_{type}".ToUpperInvariant())]);
                refused.ShouldAllBe(record => record.BeforeJson != null, "a parked record keeps its values for its retry");
                result.ParkedError.ShouldNotBeNull().Type.ShouldBe(type);
                break;
            case ErrorAction.Ignore:
                (result.Status, counts.Succeeded, counts.Failed, counts.Ignored, counts.Incomplete).ShouldBe((RunStatus.Succeeded, 8L, 0L, 2L, 0L));
                refused.ShouldAllBe(record => record.Outcome == OutcomeKind.Ignored && record.IgnoreReason!.StartsWith("known bad rows (ignored by the link's error policy for"));
                break;
            default:
                // Stop and deactivate: the refused records fail, the run stops and the second batch is not written.
                result.Status.ShouldBe(RunStatus.Failed);
                result.SystemError.ShouldNotBeNull().ShouldSatisfyAllConditions(
                    error => error.Scope.ShouldBe(ErrorScope.System),
                    error => error.Type.ShouldBe(type));
                (counts.Succeeded, counts.Failed).ShouldBe((3L, 2L));
                target.Written.Select(Id).ShouldBe([1L, 3L, 5L]);
                result.DeactivatesLink.ShouldBe(action == ErrorAction.Deactivate);
                break;
        }
    }

    [Fact]
    public async Task StepFailure_IgnorePolicy_IgnoresTheRecordWithTheReason()
    {
        await using var harness = await EngineHarness.StartAsync();
        var step = DelegateStep.FailWhen("require-email", record => Id(record) == 3, Error(ErrorType.Data));
        var settings = Settings(ErrorType.Data, new ErrorTypePolicy { Then = ErrorAction.Ignore, Reason = "contacts without email are not migrated" });

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(2, 5), new CollectingTarget(), settings, step));

        (result.Status, result.Counts.Succeeded, result.Counts.Ignored).ShouldBe((RunStatus.Succeeded, 9L, 1L));
        var ignored = (await harness.RecordsAsync(result.RunId)).ShouldHaveSingleItem();
        (ignored.Key, ignored.IgnoredBy).ShouldBe(("c3", "require-email"));
        ignored.IgnoreReason.ShouldNotBeNull().ShouldStartWith("contacts without email are not migrated");
    }

    [Fact]
    public async Task StepFailure_StopPolicy_StopsTheRun()
    {
        await using var harness = await EngineHarness.StartAsync();
        var step = DelegateStep.FailWhen("require-email", record => Id(record) == 3, Error(ErrorType.Data));
        var target = new CollectingTarget();

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(3, 5), target, Settings(ErrorType.Data, Policy(ErrorAction.Stop)), step));

        result.Status.ShouldBe(RunStatus.Failed);
        (result.SystemError!.Step, result.SystemError.Scope).ShouldBe(("require-email", ErrorScope.System));
        target.Written.ShouldAllBe(record => Id(record) <= 5, "no batch after the stopping one is written");
    }

    [Fact]
    public async Task WholeBatchWriteFails_ParkPolicy_ParksItsRecordsAndTheRunGoesOn()
    {
        await using var harness = await EngineHarness.StartAsync();
        var target = new CollectingTarget().ThrowOnBatch(1, new HttpRequestException("bad gateway", null, System.Net.HttpStatusCode.BadGateway));

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(2, 5), target, Settings(ErrorType.Connection, Policy(ErrorAction.Park))));

        (result.Status, result.SystemError, result.Counts.Succeeded, result.Counts.Incomplete).ShouldBe((RunStatus.CompletedWithErrors, null, 5L, 5L));
        (await harness.RecordsAsync(result.RunId, OutcomeKind.Incomplete)).Select(record => record.Key).ShouldBe(["c1", "c2", "c3", "c4", "c5"]);
    }

    [Fact]
    public async Task WholeBatchWriteFails_FailPolicy_FailsTheBatchInsteadOfStoppingTheRun()
    {
        await using var harness = await EngineHarness.StartAsync();
        var target = new CollectingTarget().ThrowOnBatch(1, new HttpRequestException("bad gateway", null, System.Net.HttpStatusCode.BadGateway));

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(2, 5), target, Settings(ErrorType.Connection, Policy(ErrorAction.Fail))));

        (result.Status, result.SystemError, result.Counts.Succeeded, result.Counts.Failed, result.Counts.BatchesFailed)
            .ShouldBe((RunStatus.CompletedWithErrors, null, 5L, 5L, 1));
    }

    [Fact]
    public async Task RefusedRecords_RetryPolicy_WritesThemAgainUntilTheyPass()
    {
        await using var harness = await EngineHarness.StartAsync();
        var refusals = 0;
        var target = new CollectingTarget().Refuse(record => Id(record) == 2 && Interlocked.Increment(ref refusals) <= 2, Error(ErrorType.Runtime));
        var settings = Settings(ErrorType.Runtime, new ErrorTypePolicy { Attempts = 3, Delays = [TimeSpan.Zero] });

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(1, 5), target, settings));

        (result.Status, result.Counts.Succeeded).ShouldBe((RunStatus.Succeeded, 5L));
        target.ShouldHoldEachOfTheFirst(5);
        target.BatchesWritten.ShouldBe([1, 1, 1], "the batch, then record 2 alone twice");
    }

    [Fact]
    public async Task RefusedRecords_RetriesUsedUp_FailWithTheAttemptCount()
    {
        await using var harness = await EngineHarness.StartAsync();
        var target = new CollectingTarget().Refuse(record => Id(record) == 2, Error(ErrorType.Runtime));
        var settings = Settings(ErrorType.Runtime, new ErrorTypePolicy { Attempts = 3, Delays = [TimeSpan.Zero] });

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(1, 5), target, settings));

        var failed = (await harness.RecordsAsync(result.RunId, OutcomeKind.Failed)).ShouldHaveSingleItem();
        (failed.Key, failed.Error!.Attempt).ShouldBe(("c2", 3));
        target.BatchesWritten.Count.ShouldBe(3);
    }

    [Fact]
    public async Task WholeBatchWriteFails_RetryPolicy_WaitsItsDelayOnTheClock()
    {
        await using var harness = await EngineHarness.StartAsync();
        var target = new CollectingTarget().ThrowOnBatch(1, new HttpRequestException("bad gateway", null, System.Net.HttpStatusCode.BadGateway));
        var settings = Settings(ErrorType.Connection, new ErrorTypePolicy { Attempts = 2, Delays = [TimeSpan.FromSeconds(30)] });

        var running = harness.RunAsync(EngineHarness.Link(ListSource.Paged(1, 5), target, settings));
        for (var polls = 0; harness.Clock.PendingTimers == 0; polls++)
        {
            running.IsCompleted.ShouldBeFalse("the write was not retried after a wait");
            polls.ShouldBeLessThan(6000, "the retry never waited on the clock");
            await Task.Delay(10);
        }
        target.BatchesWritten.ShouldBe([1]);
        target.Fix();
        harness.Clock.Advance(TimeSpan.FromSeconds(30));
        var result = await running.WaitAsync(EngineHarness.Patience);

        (result.Status, result.Counts.Succeeded).ShouldBe((RunStatus.Succeeded, 5L));
        target.BatchesWritten.ShouldBe([1, 1]);
    }

    [Fact]
    public async Task NoPolicy_BuiltInHandlingStays_TargetConnectionFailureStopsTheRun()
    {
        await using var harness = await EngineHarness.StartAsync();
        var target = new CollectingTarget().ThrowOnBatch(1, new HttpRequestException("bad gateway", null, System.Net.HttpStatusCode.BadGateway));

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(2, 5), target, new LinkSettings { BatchSize = 5, Parallelism = 1 }));

        (result.Status, result.SystemError!.Type, result.DeactivatesLink).ShouldBe((RunStatus.Failed, ErrorType.Connection, false));
    }

    [Fact]
    public async Task ConvertStepWithOnErrorDefault_RecordSucceedsWithTheFallbackAndAWarning()
    {
        await using var harness = await EngineHarness.StartAsync();
        var source = new ListSource([new Record("c1", new Dictionary<string, object?> { ["id"] = 1L, ["age"] = "forty" }),
            new Record("c2", new Dictionary<string, object?> { ["id"] = 2L, ["age"] = "41" })]);
        var target = new CollectingTarget();
        var convert = new Core.Steps.OnErrorStep(new Core.Steps.ConvertStep("convert(age)", "age", Core.Steps.ConversionType.Integer), Core.Steps.StepOnError.Default, "age", "0");

        var result = await harness.RunAsync(EngineHarness.Link(source, target, steps: convert));

        (result.Status, result.Counts.Succeeded, result.Counts.Warnings).ShouldBe((RunStatus.Succeeded, 2L, 1L));
        target.Written.Select(record => record["age"]).ShouldBe([0L, 41L], ignoreOrder: true);
        var warned = (await harness.RecordsAsync(result.RunId)).ShouldHaveSingleItem();
        (warned.Key, warned.Outcome, warned.Warnings.ShouldHaveSingleItem().Code).ShouldBe(("c1", OutcomeKind.Succeeded, Core.Steps.OnErrorStep.WarningCode));
    }
}
