namespace Resync.Core.Tests.Runs;

public sealed class BatchTransitionsTests
{
    public static TheoryData<BatchStatus, BatchStatus> AllowedTransitions() => Pairs(allowed: true);

    public static TheoryData<BatchStatus, BatchStatus> IllegalTransitions() => Pairs(allowed: false);

    [Theory]
    [MemberData(nameof(AllowedTransitions))]
    public void FromProcessingToAnyEnd_IsAllowed_AndEnsureDoesNotThrow(BatchStatus from, BatchStatus to)
    {
        BatchTransitions.CanTransition(from, to).ShouldBeTrue();
        Should.NotThrow(() => BatchTransitions.Ensure(from, to));
    }

    [Theory]
    [MemberData(nameof(IllegalTransitions))]
    public void IllegalTransition_IsRefused_AndEnsureThrowsInvalidTransition(BatchStatus from, BatchStatus to)
    {
        BatchTransitions.CanTransition(from, to).ShouldBeFalse();

        var exception = Should.Throw<InvalidTransitionException>(() => BatchTransitions.Ensure(from, to));

        exception.Entity.ShouldBe("batch");
        exception.From.ShouldBe(from.ToString());
        exception.To.ShouldBe(to.ToString());
    }

    [Fact]
    public void AllowedTransitions_AreExactlyTheFourEndsOfProcessing() =>
        AllowedTransitions().Select(row => ((BatchStatus)row[0], (BatchStatus)row[1])).ShouldBe(
        [
            (BatchStatus.Processing, BatchStatus.Succeeded),
            (BatchStatus.Processing, BatchStatus.CompletedWithErrors),
            (BatchStatus.Processing, BatchStatus.Failed),
            (BatchStatus.Processing, BatchStatus.Interrupted),
        ], ignoreOrder: true);

    private static TheoryData<BatchStatus, BatchStatus> Pairs(bool allowed)
    {
        var data = new TheoryData<BatchStatus, BatchStatus>();
        foreach (var from in Enum.GetValues<BatchStatus>())
        {
            foreach (var to in Enum.GetValues<BatchStatus>())
            {
                if ((from == BatchStatus.Processing && to != BatchStatus.Processing) == allowed)
                    data.Add(from, to);
            }
        }
        return data;
    }
}
