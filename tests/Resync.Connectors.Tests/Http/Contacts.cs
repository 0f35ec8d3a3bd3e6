using System.Globalization;
using Record = Resync.Core.Records.Record;

namespace Resync.Connectors.Tests.Http;

/// <summary>Test data: contacts as an API serves them, and a target that keeps what it is given.</summary>
internal static class Contacts
{
    public static Dictionary<string, object?> Contact(int i) => new()
    {
        ["id"] = $"c{i}",
        ["name"] = $"Contact {i}",
        ["email"] = $"c{i}@example.com",
        ["score"] = i + 0.5m,
        ["visits"] = i * 10,
        ["active"] = i % 2 == 0,
        ["updated_at"] = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["tags"] = new[] { "a", "b" },
    };

    /// <summary>Contacts <paramref name="first"/>..<paramref name="last"/> (empty when first &gt; last).</summary>
    public static List<Dictionary<string, object?>> Range(int first, int last) =>
        first > last ? [] : [.. Enumerable.Range(first, last - first + 1).Select(Contact)];

    public static int Number(string? text, int fallback) => int.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    public static SourceContext Context(TimeProvider clock, int batchSize = 3, string? watermark = null) => new("http-test", 1, watermark, batchSize, clock);
}
