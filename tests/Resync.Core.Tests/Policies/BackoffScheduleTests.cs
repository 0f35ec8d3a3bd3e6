namespace Resync.Core.Tests.Policies;

public sealed class BackoffScheduleTests
{
    [Fact]
    public void Default_FollowsTheDocumentedOffsets_ThenRunsOut()
    {
        var expected = new[] { 1, 2, 5, 10, 60, 180, 720, 1440 }.Select(m => TimeSpan.FromMinutes(m)).ToArray();

        for (var attempt = 1; attempt <= expected.Length; attempt++)
            BackoffSchedule.Default.DelayAfter(attempt).ShouldBe(expected[attempt - 1]);
        BackoffSchedule.Default.DelayAfter(expected.Length + 1).ShouldBeNull();
    }

    [Fact]
    public void EmptyOrNonPositiveSchedule_IsRefused()
    {
        Should.Throw<ArgumentException>(() => new BackoffSchedule([]));
        Should.Throw<ArgumentException>(() => new BackoffSchedule([TimeSpan.Zero]));
    }
}
