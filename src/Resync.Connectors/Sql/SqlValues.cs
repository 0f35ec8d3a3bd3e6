using System.Globalization;
using Resync.Core.Records;

namespace Resync.Connectors.Sql;

/// <summary>Converts between database values and the plain CLR values records carry (string, long, double, decimal, bool, DateTimeOffset, null).</summary>
internal static class SqlValues
{
    /// <summary>A value read from a database as a record value.</summary>
    public static object? ToRecordValue(object? value) => value switch
    {
        null or DBNull => null,
        string or long or double or decimal or bool or DateTimeOffset => value,
        int number => (long)number,
        short number => (long)number,
        byte number => (long)number,
        float number => (double)number,
        DateTime time => time.Kind == DateTimeKind.Local ? new DateTimeOffset(time) : new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly time => time.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        Guid guid => guid.ToString("D"),
        byte[] bytes => Convert.ToBase64String(bytes),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// A record value as text, the way PostgreSQL's input functions and SQLite's comparisons read it (ISO-8601 for
    /// times, invariant numbers, <c>true</c>/<c>false</c>); null stays null.
    /// </summary>
    public static string? ToText(object? value) => value switch
    {
        null or DBNull => null,
        string text => text,
        bool flag => flag ? "true" : "false",
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, time.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : time.Kind)).ToString("O", CultureInfo.InvariantCulture),
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        float number => number.ToString("R", CultureInfo.InvariantCulture),
        decimal number => PlainDecimal.Format(number),
        byte[] bytes => "\\x" + Convert.ToHexString(bytes),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
