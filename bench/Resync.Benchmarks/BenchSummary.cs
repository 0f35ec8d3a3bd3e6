namespace Resync.Benchmarks;

/// <summary>
/// The one-line results of the benchmarks run by one process (each benchmark adds its own after printing its table), printed
/// by the <c>all</c> command as one table, so that any later change can be compared with a single run.
/// </summary>
internal static class BenchSummary
{
    private static readonly List<Row> Rows = [];

    /// <param name="benchmark">The command that measured it.</param>
    /// <param name="what">What the figure is.</param>
    /// <param name="value">The figure, formatted (a ratio where there is a reference).</param>
    /// <param name="target">The target, or empty.</param>
    /// <param name="met">Whether the target is met; null without a target.</param>
    public static void Add(string benchmark, string what, string value, string target = "", bool? met = null)
    {
        lock (Rows)
            Rows.Add(new Row(benchmark, what, value, target, met));
    }

    public static void Print(TimeSpan elapsed, string loadBefore, string loadAfter)
    {
        Console.WriteLine();
        Console.WriteLine($"All benchmarks in {elapsed.TotalMinutes:F1} min; load average (1, 5, 15 min) before {loadBefore}, after {loadAfter}; {Environment.ProcessorCount} cores");
        Console.WriteLine($"| {"benchmark",-16} | {"what",-62} | {"value",14} | {"target",10} | met |");
        Console.WriteLine($"|{new string('-', 18)}|{new string('-', 64)}|{new string('-', 16)}|{new string('-', 12)}|-----|");
        lock (Rows)
        {
            foreach (var row in Rows)
                Console.WriteLine($"| {row.Benchmark,-16} | {row.What,-62} | {row.Value,14} | {row.Target,10} | {row.Met switch { true => "yes", false => "NO", null => "" },3} |");
        }
    }

    /// <summary>The machine's load average (1, 5 and 15 minutes), or "?" where /proc is not there.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private sealed record Row(string Benchmark, string What, string Value, string Target, bool? Met);
}
