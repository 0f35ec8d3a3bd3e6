namespace Resync.Core.Tests.Runs;

public sealed class RunCountsTests
{
    [Fact]
    public void Zero_IsBalanced() => RunCounts.Zero.IsBalanced.ShouldBeTrue();

    [Theory]
    [InlineData(10, 10, 0, 0, 0)]
    [InlineData(10, 6, 3, 1, 0)]
    [InlineData(10, 4, 1, 1, 4)]
    [InlineData(10, 0, 0, 0, 10)]
    public void ReadEqualsSucceededFailedIgnoredAndIncomplete_IsBalanced(long read, long succeeded, long failed, long ignored, long incomplete) =>
        new RunCounts(read, succeeded, failed, ignored, incomplete, Warnings: 7, BatchesTotal: 2, BatchesFailed: 1).IsBalanced.ShouldBeTrue();

    [Theory]
    [InlineData(10, 9, 0, 0, 0)] // a record lost
    [InlineData(10, 10, 1, 0, 0)] // a record counted twice
    [InlineData(0, 0, 0, 1, 0)]
    public void ReadDiffersFromTheSumOfOutcomes_IsNotBalanced(long read, long succeeded, long failed, long ignored, long incomplete) =>
        new RunCounts(read, succeeded, failed, ignored, incomplete, 0, 1, 0).IsBalanced.ShouldBeFalse();

    [Fact]
    public void Warnings_DoNotCountTowardTheBalance() =>
        new RunCounts(5, 5, 0, 0, 0, Warnings: 12, 1, 0).IsBalanced.ShouldBeTrue();
}
