namespace Resync.Core.Tests.Runs;

public sealed class CrashedPullTests
{
    private static readonly (int, string?)[] Gap = [(1, "page=1"), (2, "page=2"), (4, "page=4"), (5, "page=5")];

    [Fact]
    public void ReadsOnAfter_BatchesOneToN_IsTheLastPage() =>
        CrashedPull.ReadsOnAfter([(2, "page=2"), (1, "page=1"), (3, "page=3")]).ShouldBe("page=3");

    [Fact]
    public void ReadsOnAfter_ABatchNumberMissing_IsThePageBeforeIt() =>
        CrashedPull.ReadsOnAfter(Gap).ShouldBe("page=2");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsOnAfter_NoBatchOrBatchOneMissing_IsNull(bool any) =>
        CrashedPull.ReadsOnAfter(any ? [(2, "page=2")] : []).ShouldBeNull();

    [Fact]
    public void ReadAgain_ResumingAfterTheGap_IsEveryBatchAfterIt_ButNotASnapshotPage() =>
        CrashedPull.ReadAgain([.. Gap, (6, "snapshots:7:6")], "page=2").ShouldBe(new Dictionary<string, int> { ["page=4"] = 4, ["page=5"] = 5 });

    [Theory]
    [InlineData("page=5")]
    [InlineData("page=1")]
    [InlineData(null)]
    public void ReadAgain_ResumingElsewhere_IsEmpty(string? resumeCursor) =>
        CrashedPull.ReadAgain(Gap, resumeCursor).ShouldBeEmpty();

    [Fact]
    public void ReadAgain_NoNumberMissing_IsEmpty() =>
        CrashedPull.ReadAgain([(1, "page=1"), (2, "page=2")], "page=2").ShouldBeEmpty();
}
