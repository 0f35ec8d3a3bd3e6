namespace Resync.Core.Tests.Runs;

public sealed class BatchTransitionsTests
{
    public static TheoryData<BatchStatus, BatchStatus> AllowedTransitions() => TransitionCases.Pairs<BatchStatus>(FromProcessingToAnEnd, allowed: true);

    public static TheoryData<BatchStatus, BatchStatus> IllegalTransitions() => TransitionCases.Pairs<BatchStatus>(FromProcessingToAnEnd, allowed: false);

    [Theory]
    [MemberData(nameof(AllowedTransitions))]
    public void FromProcessingToAnyEnd_IsAllowed_AndEnsureDoesNotThrow(BatchStatus from, BatchStatus to) =>
        TransitionCases.ShouldBeAllowed(BatchTransitions.CanTransition, BatchTransitions.Ensure, from, to);

    [Theory]
    [MemberData(nameof(IllegalTransitions))]
    public void IllegalTransition_IsRefused_AndEnsureThrowsInvalidTransition(BatchStatus from, BatchStatus to) =>
        TransitionCases.ShouldBeRefused(BatchTransitions.CanTransition, BatchTransitions.Ensure, "batch", from, to);

    [Fact]
    public void AllowedTransitions_AreExactlyTheFourEndsOfProcessing() =>
        AllowedTransitions().Select(row => ((BatchStatus)row[0], (BatchStatus)row[1])).ShouldBe(
        [
            (BatchStatus.Processing, BatchStatus.Succeeded),
            (BatchStatus.Processing, BatchStatus.CompletedWithErrors),
            (BatchStatus.Processing, BatchStatus.Failed),
            (BatchStatus.Processing, BatchStatus.Interrupted),
        ], ignoreOrder: true);

    private static bool FromProcessingToAnEnd(BatchStatus from, BatchStatus to) => from == BatchStatus.Processing && to != BatchStatus.Processing;
}
