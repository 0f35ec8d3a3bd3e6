using System.Globalization;

namespace Resync.Server.Observability;

/// <summary>Reads the log sinks' numeric settings, with an error that names the setting and the range.</summary>
internal static class SinkSettings
{
    public static long Number(IConfigurationSection section, string key, long fallback, long min, long max)
    {
        if (section[key] is not { Length: > 0 } text)
            return fallback;
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new InvalidOperationException($"{section.Path}:{key} must be a whole number from {min} to {max}; found '{text}'.");
        return value;
    }
}
