namespace Resync.Benchmarks;

/// <summary>The summaries the benchmarks give of their rounds.</summary>
internal static class Statistics
{
    /// <summary>The middle value of <paramref name="values"/> (the upper one of an even count).</summary>
    public static double Median(IReadOnlyCollection<double> values) => values.Order().ElementAt(values.Count / 2);
}
