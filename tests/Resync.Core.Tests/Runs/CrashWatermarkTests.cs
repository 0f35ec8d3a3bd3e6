namespace Resync.Core.Tests.Runs;

public sealed class CrashWatermarkTests
{
    [Fact]
    public void Committed_BatchesThatAllSucceeded_IsTheHighestOfThem() =>
        CrashWatermark.Committed([(2, BatchStatus.Succeeded, "b"), (1, BatchStatus.Succeeded, "a"), (3, BatchStatus.Succeeded, null)]).ShouldBe("b");

    [Theory]
    [InlineData(BatchStatus.Processing)]
    [InlineData(BatchStatus.Interrupted)]
    [InlineData(BatchStatus.Failed)]
    [InlineData(BatchStatus.CompletedWithErrors)]
    public void Committed_ABatchWhoseRecordsAreNotAllWritten_EndsThePrefix(BatchStatus cut) =>
        CrashWatermark.Committed([(1, BatchStatus.Succeeded, "a"), (2, cut, "b"), (3, BatchStatus.Succeeded, "c")]).ShouldBe("a");

    [Fact]
    public void Committed_AMissingBatchNumber_EndsThePrefix() =>
        CrashWatermark.Committed([(1, BatchStatus.Succeeded, "a"), (3, BatchStatus.Succeeded, "c")]).ShouldBe("a");

    [Fact]
    public void Committed_NoFirstBatch_IsNull() =>
        CrashWatermark.Committed([(2, BatchStatus.Succeeded, "b")]).ShouldBeNull();

    [Fact]
    public void Read_IsTheHighestOfEveryBatch_CutOnesIncluded() =>
        CrashWatermark.Read([(1, BatchStatus.Succeeded, "a"), (2, BatchStatus.Interrupted, "c"), (3, BatchStatus.Succeeded, "b"), (4, BatchStatus.Interrupted, null)])
            .ShouldBe("c");

    [Theory]
    [InlineData(null, "a", true)]
    [InlineData("a", "b", true)]
    [InlineData("b", "a", false)]
    [InlineData("a", "a", false)]
    [InlineData("a", null, false)]
    public void Advances_ComparesOrdinally(string? current, string? candidate, bool advances) =>
        CrashWatermark.Advances(current, candidate).ShouldBe(advances);
}
