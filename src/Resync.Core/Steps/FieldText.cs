using System.Globalization;

namespace Resync.Core.Steps;

/// <summary>The invariant text form of a field value, as steps compare and measure it.</summary>
internal static class FieldText
{
    public static string? Of(object? value) => value switch
    {
        null => null,
        string text => text,
        bool flag => flag ? "true" : "false",
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
