namespace Resync.Benchmarks;

/// <summary>
/// The table both Retry Failures benchmarks print for their median round, so that the engine-only and the pipeline figures
/// read alike and are held to the same target.
/// </summary>
internal static class RetryTable
{
    /// <summary>Prints <paramref name="headline"/>, the full run's time and rate, the retry's time with what it took again, and their ratio.</summary>
    public static void Print(string headline, long records, double fullSeconds, double retrySeconds, string retried)
    {
        Console.WriteLine();
        Console.WriteLine(headline);
        Console.WriteLine($"{"full run",-28} {fullSeconds,8:F2} s  {records / fullSeconds,12:N0} records/s");
        Console.WriteLine($"{"Retry Failures",-28} {retrySeconds,8:F2} s  ({retried})");
        Console.WriteLine($"{"retry / full",-28} {retrySeconds / fullSeconds,8:P1}   (target: under 5%)");
    }
}
