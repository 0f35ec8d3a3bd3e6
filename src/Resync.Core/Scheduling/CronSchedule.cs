using System.Globalization;

namespace Resync.Core.Scheduling;

/// <summary>
/// A five-field cron expression in UTC: minute, hour, day of month, month, day of week. Fields take
/// <c>*</c>, numbers, ranges <c>a-b</c>, lists <c>a,b</c>, steps <c>*/n</c> or <c>a-b/n</c>, and names
/// (<c>jan</c>…<c>dec</c>, <c>sun</c>…<c>sat</c>); also <c>@hourly</c>, <c>@daily</c>, <c>@weekly</c>,
/// <c>@monthly</c>, <c>@yearly</c>. As in classic cron, when both day fields are restricted a day matches
/// either.
/// </summary>
public sealed class CronSchedule : ISchedule
{
    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] Days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private readonly bool[] _minutes;
    private readonly bool[] _hours;
    private readonly bool[] _daysOfMonth;
    private readonly bool[] _months;
    private readonly bool[] _daysOfWeek;
    private readonly bool _dayOfMonthRestricted;
    private readonly bool _dayOfWeekRestricted;

    private CronSchedule(string expression, string[] fields)
    {
        Expression = expression;
        _minutes = Field(fields[0], "minute", 0, 59, null);
        _hours = Field(fields[1], "hour", 0, 23, null);
        _daysOfMonth = Field(fields[2], "day of month", 1, 31, null);
        _months = Field(fields[3], "month", 1, 12, Months);
        _daysOfWeek = Field(fields[4], "day of week", 0, 7, Days);
        _daysOfWeek[0] |= _daysOfWeek[7]; // 7 is Sunday too
        _dayOfMonthRestricted = fields[2] != "*";
        _dayOfWeekRestricted = fields[4] != "*";
    }

    public string Expression { get; }

    /// <summary>Parses an expression; throws <see cref="FormatException"/> saying which field is wrong and why.</summary>
    public static CronSchedule Parse(string expression)
    {
        var text = expression.Trim().ToLowerInvariant() switch
        {
            "@hourly" => "0 * * * *",
            "@daily" or "@midnight" => "0 0 * * *",
            "@weekly" => "0 0 * * 0",
            "@monthly" => "0 0 1 * *",
            "@yearly" or "@annually" => "0 0 1 1 *",
            var other => other,
        };
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
            throw new FormatException($"'{expression}' is not a cron expression: it needs 5 fields (minute hour day-of-month month day-of-week), found {fields.Length}.");
        return new CronSchedule(expression, fields);
    }

    public DateTimeOffset Next(DateTimeOffset after)
    {
        var t = after.ToUniversalTime();
        var candidate = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero).AddMinutes(1);
        var limit = candidate.AddYears(5);
        while (candidate < limit)
        {
            if (!_months[candidate.Month])
            {
                candidate = new DateTimeOffset(candidate.Year, candidate.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
                continue;
            }
            if (!DayMatches(candidate))
            {
                candidate = new DateTimeOffset(candidate.Year, candidate.Month, candidate.Day, 0, 0, 0, TimeSpan.Zero).AddDays(1);
                continue;
            }
            if (!_hours[candidate.Hour])
            {
                candidate = new DateTimeOffset(candidate.Year, candidate.Month, candidate.Day, candidate.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
                continue;
            }
            if (!_minutes[candidate.Minute])
            {
                candidate = candidate.AddMinutes(1);
                continue;
            }
            return candidate;
        }
        throw new InvalidOperationException($"The cron expression '{Expression}' has no occurrence in the next five years.");
    }

    public override string ToString() => Expression;

    private bool DayMatches(DateTimeOffset day)
    {
        var byMonthDay = _daysOfMonth[day.Day];
        var byWeekDay = _daysOfWeek[(int)day.DayOfWeek];
        return _dayOfMonthRestricted && _dayOfWeekRestricted ? byMonthDay || byWeekDay : byMonthDay && byWeekDay;
    }

    private static bool[] Field(string field, string name, int min, int max, string[]? names)
    {
        var allowed = new bool[max + 1];
        foreach (var part in field.Split(','))
        {
            var (range, step) = part.Split('/') switch
            {
                [var r] => (r, 1),
                [var r, var s] when int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 => (r, n),
                _ => throw new FormatException($"The {name} field '{field}' has a bad step in '{part}'."),
            };
            int from, to;
            if (range == "*")
            {
                (from, to) = (min, max == 7 ? 6 : max);
            }
            else if (range.Split('-') is [var a, var b])
            {
                (from, to) = (Value(a, name, min, max, names), Value(b, name, min, max, names));
                if (from > to)
                    throw new FormatException($"The {name} range '{range}' runs backwards.");
            }
            else
            {
                from = Value(range, name, min, max, names);
                to = part.Contains('/', StringComparison.Ordinal) ? max : from;
            }
            for (var value = from; value <= to; value += step)
                allowed[value] = true;
        }
        return allowed;
    }

    private static int Value(string text, string name, int min, int max, string[]? names)
    {
        if (names is not null && Array.IndexOf(names, text) is var index and >= 0)
            return index + (names == Months ? 1 : 0);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        throw new FormatException($"The {name} field value '{text}' is not allowed: use {min}-{max}{(names is null ? "" : " or a name")}.");
    }
}
