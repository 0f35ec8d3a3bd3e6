using System.Globalization;

namespace Resync.Connectors.Files;

/// <summary>The invariant text form of a field value, as the file targets write it.</summary>
internal static class FileValueText
{
    public static string Of(object? value) => value switch
    {
        null => "",
        string text => text,
        bool flag => flag ? "true" : "false",
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
