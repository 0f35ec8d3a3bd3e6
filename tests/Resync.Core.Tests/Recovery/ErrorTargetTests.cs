using static Resync.Testing.TestRecords;

namespace Resync.Core.Tests.Recovery;

/// <summary>The error target (dead-letter output): every failed record once, with its error and snapshot; its own failures never fail the run.</summary>
public sealed class ErrorTargetTests
{
    private static readonly ErrorClassification TooLong = new(ErrorType.Data, Durability.Durable, ErrorCodes.TooLong, "name is longer than 10 characters",
        "Shorten it.", ["name"]);

    [Fact]
    public async Task FailedRecords_GoToTheErrorTarget_OnceEach_EvenWhenTheRunIsRetried()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget().Refuse(record => Id(record) is 2 or 7, TooLong);
        var deadLetters = new CollectingTarget();
        var plain = RecoveryHarness.Link(ListSource.Paged(2, 5), target, new LinkSettings { BatchSize = 5, Parallelism = 2 });
        var link = new Link(plain.Id, plain.Source, plain.Steps, plain.Target, plain.Settings) { ErrorTarget = deadLetters };

        var first = (await harness.RunAsync(link)).Run;

        first.Counts.Failed.ShouldBe(2);
        var letters = deadLetters.Written;
        letters.Select(letter => letter[DeadLetter.Key]).Order().ShouldBe(["c2", "c7"]);
        var letter = letters.Single(l => (string?)l[DeadLetter.Key] == "c2");
        letter.ShouldSatisfyAllConditions(
            l => l.Key.ShouldBe($"{RecoveryHarness.LinkId}/{first.RunId}/c2"),
            l => l[DeadLetter.Id].ShouldBe(l.Key),
            l => l[DeadLetter.Run].ShouldBe(first.RunId),
            l => l[DeadLetter.Batch].ShouldBe(1L),
            l => l[DeadLetter.Position].ShouldBe(1L),
            l => l[DeadLetter.Attempt].ShouldBe(1L),
            l => (l[DeadLetter.ErrorType], l[DeadLetter.ErrorCode], l[DeadLetter.ErrorStep], l[DeadLetter.ErrorFields]).ShouldBe(("Data", ErrorCodes.TooLong, "target", "name")),
            l => ((string)l[DeadLetter.Before]!).ShouldContain("contact2@example.com"));

        // Record 2 still fails in the retry, 7 passes: the retry's dead letter for 2 is the same one (same id), and 7 gets none.
        target.Fix().Refuse(record => Id(record) == 2, TooLong);
        var retry = await harness.Runner.RetryFailuresAsync(link, first.RunId);

        retry.Counts.Failed.ShouldBe(1);
        deadLetters.Written.Count.ShouldBe(3);
        deadLetters.Written.Select(l => l.Key).Distinct().Order().ShouldBe([$"{RecoveryHarness.LinkId}/{first.RunId}/c2", $"{RecoveryHarness.LinkId}/{first.RunId}/c7"]);
        deadLetters.Written[^1][DeadLetter.Run].ShouldBe(retry.RunId);
    }

    [Fact]
    public async Task ErrorTargetFails_RunIsNotFailed_AndItsHistorySaysSo()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget().Refuse(record => Id(record) is 2 or 7, TooLong);
        var deadLetters = new CollectingTarget().ThrowOnBatch(1, new HttpRequestException("Connection refused")).ThrowOnBatch(2, new HttpRequestException("Connection refused"));
        var plain = RecoveryHarness.Link(ListSource.Paged(2, 5), target, new LinkSettings { BatchSize = 5, Parallelism = 2 });
        var link = new Link(plain.Id, plain.Source, plain.Steps, plain.Target, plain.Settings) { ErrorTarget = deadLetters };

        var run = (await harness.RunAsync(link)).Run;

        (run.Status, run.SystemError, run.Counts.Succeeded, run.Counts.Failed).ShouldBe((RunStatus.CompletedWithErrors, null, 8L, 2L));
        run.ErrorTargetFailures.ShouldBe(2);
        var noted = (await harness.HistoryAsync(run.RunId)).Where(e => e.Kind == RunEventKinds.ErrorTargetFailed).ShouldHaveSingleItem();
        noted.Message.ShouldStartWith("2 failed records could not be written to the error target of link 'contacts'");
    }
}
