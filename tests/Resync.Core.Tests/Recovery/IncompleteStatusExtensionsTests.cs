namespace Resync.Core.Tests.Recovery;

public sealed class IncompleteStatusExtensionsTests
{
    [Theory]
    [InlineData(IncompleteStatus.Scheduled, false)]
    [InlineData(IncompleteStatus.Waiting, false)]
    [InlineData(IncompleteStatus.Resolved, true)]
    [InlineData(IncompleteStatus.Discarded, true)]
    public void IsClosed_OnlyResolvedOrDiscarded_IsClosed(IncompleteStatus status, bool closed) => status.IsClosed().ShouldBe(closed);
}
