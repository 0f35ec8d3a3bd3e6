using Resync.Core.Scheduling;

namespace Resync.Core.Tests.Scheduling;

public sealed class CronScheduleTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 10, 7, 30, TimeSpan.Zero);

    [Theory]
    [InlineData("* * * * *", "2026-11-22T10:08:00Z")]
    [InlineData("*/15 * * * *", "2026-11-22T10:15:00Z")]
    [InlineData("0 * * * *", "2026-11-22T11:00:00Z")]
    [InlineData("@hourly", "2026-11-22T11:00:00Z")]
    [InlineData("30 2 * * *", "2026-11-23T02:30:00Z")]
    [InlineData("0 0 1 * *", "2026-12-01T00:00:00Z")]
    [InlineData("0 9 * * mon-fri", "2026-11-23T09:00:00Z")]
    [InlineData("0 9 * * 0", "2026-11-29T09:00:00Z")]
    [InlineData("0 9 * * 7", "2026-11-29T09:00:00Z")]
    [InlineData("0 0 29 feb *", "2028-02-29T00:00:00Z")]
    [InlineData("5,10 10 * * *", "2026-11-22T10:10:00Z")]
    [InlineData("0 12 1 * fri", "2026-11-27T12:00:00Z")]
    public void Next_IsTheFirstMatchingMinuteAfter(string expression, string expected) =>
        CronSchedule.Parse(expression).Next(Start).ShouldBe(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Next_OfAnOccurrence_IsTheFollowingOne()
    {
        var schedule = CronSchedule.Parse("*/5 * * * *");
        var first = schedule.Next(Start);

        schedule.Next(first).ShouldBe(first.AddMinutes(5));
    }

    [Theory]
    [InlineData("* * * *", "needs 5 fields")]
    [InlineData("60 * * * *", "minute field value '60' is not allowed")]
    [InlineData("* * * foo *", "month field value 'foo'")]
    [InlineData("*/0 * * * *", "bad step")]
    [InlineData("5-1 * * * *", "runs backwards")]
    public void Malformed_SaysWhichFieldAndWhy(string expression, string expected) =>
        Should.Throw<FormatException>(() => CronSchedule.Parse(expression)).Message.ShouldContain(expected);

    [Fact]
    public void Interval_TicksAlignToTheEpoch()
    {
        var schedule = new IntervalSchedule(TimeSpan.FromMinutes(10));

        schedule.Next(Start).ShouldBe(new DateTimeOffset(2026, 11, 22, 10, 10, 0, TimeSpan.Zero));
        schedule.Next(new DateTimeOffset(2026, 11, 22, 10, 10, 0, TimeSpan.Zero)).ShouldBe(new DateTimeOffset(2026, 11, 22, 10, 20, 0, TimeSpan.Zero));
    }
}
