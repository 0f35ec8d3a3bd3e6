namespace Resync.Core.Tests.Runs;

public sealed class CrashedResumeTests
{
    private static readonly string?[] Parent = ["page=1", "page=2"];

    [Fact]
    public void TakesOverAt_AResumeThatReadAPageItsParentNeverRead_IsItsLastPage() =>
        CrashedResume.TakesOverAt([(1, BatchStatus.Succeeded, "page=2"), (2, BatchStatus.Succeeded, "snapshots:7:1.0"), (3, BatchStatus.Succeeded, "page=3"),
            (4, BatchStatus.Interrupted, "page=4"), (5, BatchStatus.Interrupted, "page=5")], Parent).ShouldBe("page=5");

    [Fact]
    public void TakesOverAt_AResumeStillOnItsParentsFailures_IsNull() =>
        CrashedResume.TakesOverAt([(1, BatchStatus.Succeeded, "page=1"), (2, BatchStatus.Succeeded, "snapshots:7:1.0")], Parent).ShouldBeNull();

    [Theory]
    [InlineData(BatchStatus.Interrupted, "page=2")]
    [InlineData(BatchStatus.Processing, "snapshots:7:1.0")]
    public void TakesOverAt_AParentsFailureCutBeforeThePagesNeverRead_IsNull(BatchStatus cut, string cursor) =>
        CrashedResume.TakesOverAt([(1, cut, cursor), (2, BatchStatus.Succeeded, "page=3")], Parent).ShouldBeNull();

    [Fact]
    public void TakesOverAt_AParentsFailureThatFailedAgain_IsKeptInTheResume() =>
        CrashedResume.TakesOverAt([(1, BatchStatus.CompletedWithErrors, "page=2"), (2, BatchStatus.Failed, "snapshots:7:1.0"), (3, BatchStatus.Succeeded, "page=3")], Parent)
            .ShouldBe("page=3");

    [Fact]
    public void TakesOverAt_AMissingBatchNumber_IsNull() =>
        CrashedResume.TakesOverAt([(1, BatchStatus.Succeeded, "page=3"), (3, BatchStatus.Succeeded, "page=5")], Parent).ShouldBeNull();

    [Fact]
    public void TakesOverAt_NoBatch_IsNull() =>
        CrashedResume.TakesOverAt([], Parent).ShouldBeNull();
}
