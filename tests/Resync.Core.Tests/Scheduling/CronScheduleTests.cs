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
    [InlineData("0 12 1 * fri", "2027-01-01T12:00:00Z")] // both day fields restricted: a day matches both (Cronos)
    public void Next_IsTheFirstMatchingMinuteAfter(string expression, string expected) =>
        CronSchedule.Parse(expression).Next(Start).ShouldBe(Utc(expected));

    [Fact]
    public void Next_OfAnOccurrence_IsTheFollowingOne()
    {
        var schedule = CronSchedule.Parse("*/5 * * * *");
        var first = schedule.Next(Start);

        schedule.Next(first).ShouldBe(first.AddMinutes(5));
    }

    [Theory]
    [InlineData("* * * *", "needs 5 fields")]
    [InlineData("* * * * * *", "needs 5 fields")]
    [InlineData("60 * * * *", "Minutes: Value must be a number between 0 and 59")]
    [InlineData("* 24 * * *", "Hours: Value must be a number between 0 and 23")]
    [InlineData("* * * foo *", "Months: Value must be a number between 1 and 12")]
    [InlineData("* * * * 8", "Days of week: Value must be a number between 0 and 7")]
    [InlineData("@often", "Macro")]
    [InlineData("0 0 30 feb *", "never occurs")]
    public void Malformed_SaysWhichFieldAndWhy(string expression, string expected) =>
        Should.Throw<FormatException>(() => CronSchedule.Parse(expression)).Message.ShouldContain(expected);

    private static readonly TimeZoneInfo Zurich = CronSchedule.FindTimeZone("Europe/Zurich");

    [Fact]
    public void Next_InATimeZone_ReadsTheHoursThere()
    {
        var winter = CronSchedule.Parse("0 2 * * *", Zurich);

        winter.Next(Start).ShouldBe(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero), "02:00 CET is 01:00 UTC");
        winter.Next(new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero)).ShouldBe(new DateTimeOffset(2026, 7, 2, 0, 0, 0, TimeSpan.Zero), "02:00 CEST is 00:00 UTC");
    }

    [Theory]
    // 2026-03-29: Zurich's clocks go from 02:00 CET straight to 03:00 CEST (01:00 UTC): 02:30 runs once, at the end of the gap.
    [InlineData("2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z")]
    // 2026-10-25: they go back from 03:00 CEST to 02:00 CET, so 02:30 happens at 00:30 and at 01:30 UTC: it runs the first time only.
    [InlineData("2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z")]
    public void Next_AcrossADaylightSavingChange_RunsOnceANight(string from, string first, string second)
    {
        var schedule = CronSchedule.Parse("30 2 * * *", Zurich);

        var next = schedule.Next(Utc(from));

        next.ShouldBe(Utc(first));
        schedule.Next(next).ShouldBe(Utc(second));
    }

    [Fact]
    public void Next_EveryHalfHourAcrossTheAutumnChange_KeepsItsPace()
    {
        var schedule = CronSchedule.Parse("*/30 * * * *", Zurich);
        var at = new DateTimeOffset(2026, 10, 24, 23, 45, 0, TimeSpan.Zero);
        var ticks = new List<DateTimeOffset>();
        for (var i = 0; i < 5; i++)
            ticks.Add(at = schedule.Next(at));

        ticks.ShouldBe(Enumerable.Range(0, 5).Select(i => new DateTimeOffset(2026, 10, 25, 0, 0, 0, TimeSpan.Zero).AddMinutes(30 * i)));
    }

    [Theory]
    [InlineData("Europe/Zurich")]
    [InlineData("America/New_York")]
    [InlineData("UTC")]
    [InlineData("Etc/GMT+5")]
    public void FindTimeZone_OfAnIanaName_FindsIt(string name) =>
        CronSchedule.FindTimeZone(name).ShouldNotBeNull();

    [Theory]
    [InlineData("Europe/Zürich", "not a time zone name")]
    [InlineData("Mars/Olympus", "not a known time zone")]
    [InlineData("../../../etc/passwd", "not a time zone name")]
    [InlineData("/etc/localtime", "not a time zone name")]
    [InlineData("", "not a time zone name")]
    public void FindTimeZone_OfAnythingElse_IsRefused(string name, string expected) =>
        Should.Throw<FormatException>(() => CronSchedule.FindTimeZone(name)).Message.ShouldContain(expected);

    [Fact]
    public void Interval_TicksAlignToTheEpoch()
    {
        var schedule = new IntervalSchedule(TimeSpan.FromMinutes(10));

        schedule.Next(Start).ShouldBe(new DateTimeOffset(2026, 11, 22, 10, 10, 0, TimeSpan.Zero));
        schedule.Next(new DateTimeOffset(2026, 11, 22, 10, 10, 0, TimeSpan.Zero)).ShouldBe(new DateTimeOffset(2026, 11, 22, 10, 20, 0, TimeSpan.Zero));
    }

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
}
