using System.Globalization;

namespace Resync.Storage.Relational;

/// <summary>
/// How both stores keep a time: ISO 8601 text in UTC, so that text order is time order (the due-time and watermark
/// comparisons in SQL rely on it) and the two stores read each other's dumps alike.
/// </summary>
internal static class StoredTime
{
    public static string Text(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    public static string? OptionalText(DateTimeOffset? value) => value is { } time ? Text(time) : null;

    public static DateTimeOffset Time(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    public static DateTimeOffset? OptionalTime(string? value) => value is null ? null : Time(value);
}
