using Cronos;

namespace Resync.Core.Scheduling;

/// <summary>
/// A five-field cron expression (minute, hour, day of month, month, day of week; names such as <c>mon</c> and
/// <c>jan</c>, and <c>@hourly</c>, <c>@daily</c>… allowed) read in a time zone, by Cronos. Across a daylight-saving
/// change an occurrence that falls in the skipped hour runs once at the end of the gap, and one in the repeated hour
/// runs once (its first time); interval-like expressions (<c>*/15 * * * *</c>) keep their pace in both.
/// </summary>
public sealed class CronSchedule : ISchedule
{
    private readonly CronExpression _expression;

    private CronSchedule(string expression, CronExpression parsed, TimeZoneInfo timeZone)
    {
        Expression = expression;
        _expression = parsed;
        TimeZone = timeZone;
    }

    public string Expression { get; }

    /// <summary>The zone the expression's hours and days are read in (UTC unless the link names one).</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>Parses an expression in a time zone (UTC when none).</summary>
    /// <exception cref="FormatException">The expression is not a five-field cron expression; the message says why.</exception>
    public static CronSchedule Parse(string expression, TimeZoneInfo? timeZone = null)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5 && !(fields.Length == 1 && expression.TrimStart().StartsWith('@')))
            throw new FormatException($"'{expression}' is not a cron expression: it needs 5 fields (minute hour day-of-month month day-of-week), found {fields.Length}.");
        CronExpression parsed;
        try
        {
            parsed = CronExpression.Parse(string.Join(' ', fields), CronFormat.Standard);
        }
        catch (CronFormatException exception)
        {
            // Cronos names the field ("Minutes: Value must be a number between 0 and 59"); its preamble says nothing more.
            throw new FormatException($"'{expression}' is not a cron expression: {exception.Message.Replace("The given cron expression has an invalid format. ", "", StringComparison.Ordinal)}", exception);
        }
        if (parsed.GetNextOccurrence(DateTimeOffset.UnixEpoch, TimeZoneInfo.Utc) is null)
            throw new FormatException($"'{expression}' never occurs (such as the 30th of February).");
        return new CronSchedule(expression, parsed, timeZone ?? TimeZoneInfo.Utc);
    }

    /// <summary>Finds a time zone by its IANA name (<c>Europe/Zurich</c>) or Windows name.</summary>
    /// <exception cref="FormatException">No such zone is known.</exception>
    public static TimeZoneInfo FindTimeZone(string name)
    {
        // The name becomes a path under the system's zoneinfo folder: a tenant's link may not make it name another file.
        if (name.Length is 0 or > 64 || name[0] == '/' || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-' or '+'))
            throw new FormatException($"'{name}' is not a time zone name: use an IANA name such as Europe/Zurich or America/New_York, or UTC.");
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(name);
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new FormatException($"'{name}' is not a known time zone: use an IANA name such as Europe/Zurich or America/New_York, or UTC.", exception);
        }
    }

    public DateTimeOffset Next(DateTimeOffset after) =>
        _expression.GetNextOccurrence(after.ToUniversalTime(), TimeZone)?.ToUniversalTime()
        ?? throw new InvalidOperationException($"The cron expression '{Expression}' has no occurrence after {after:O}.");

    public override string ToString() => TimeZone == TimeZoneInfo.Utc ? Expression : $"{Expression} ({TimeZone.Id})";
}
