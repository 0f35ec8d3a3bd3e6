using Resync.Core.Runs;

namespace Resync.Core.Tests.Runs;

public sealed class CommittedWatermarkTests
{
    [Fact]
    public void Of_BatchesThatAllSucceeded_IsTheHighestOfThem() =>
        CommittedWatermark.Of([(2, BatchStatus.Succeeded, "b"), (1, BatchStatus.Succeeded, "a"), (3, BatchStatus.Succeeded, null)]).ShouldBe("b");

    [Theory]
    [InlineData(BatchStatus.Processing)]
    [InlineData(BatchStatus.Interrupted)]
    [InlineData(BatchStatus.Failed)]
    [InlineData(BatchStatus.CompletedWithErrors)]
    public void Of_ABatchWhoseRecordsAreNotAllWritten_EndsThePrefix(BatchStatus cut) =>
        CommittedWatermark.Of([(1, BatchStatus.Succeeded, "a"), (2, cut, "b"), (3, BatchStatus.Succeeded, "c")]).ShouldBe("a");

    [Fact]
    public void Of_AMissingBatchNumber_EndsThePrefix() =>
        CommittedWatermark.Of([(1, BatchStatus.Succeeded, "a"), (3, BatchStatus.Succeeded, "c")]).ShouldBe("a");

    [Fact]
    public void Of_NoFirstBatch_IsNull() =>
        CommittedWatermark.Of([(2, BatchStatus.Succeeded, "b")]).ShouldBeNull();

    [Theory]
    [InlineData(null, "a", true)]
    [InlineData("a", "b", true)]
    [InlineData("b", "a", false)]
    [InlineData("a", "a", false)]
    [InlineData("a", null, false)]
    public void Advances_ComparesOrdinally(string? current, string? candidate, bool advances) =>
        CommittedWatermark.Advances(current, candidate).ShouldBe(advances);
}
