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

    private const string ChildLine = "bench-summary\t";

    /// <summary>
    /// Set in a benchmark run in a process of its own by <c>all</c> (<see cref="RunInChildAsync"/>): its rows are printed at its end
    /// for the parent to read back.
    /// </summary>
    public static bool InChild => Environment.GetEnvironmentVariable("RESYNC_BENCH_CHILD") == "1";

    /// <summary>In a child: prints the rows, one per line, for <see cref="RunInChildAsync"/>.</summary>
    public static void PrintForParent()
    {
        lock (Rows)
        {
            foreach (var row in Rows)
                Console.WriteLine(ChildLine + string.Join('\t', row.Benchmark, row.What, row.Value, row.Target, row.Met?.ToString() ?? ""));
        }
    }

    /// <summary>
    /// Runs one benchmark command in a fresh process of this program (a memory peak must not count what the benchmarks before it
    /// left in this one), relays its output, and adds its rows here. Throws when it fails.
    /// </summary>
    public static async Task RunInChildAsync(params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        // Run as `dotnet Resync.Benchmarks.dll …`, the host needs the program's file first; its own launcher does not.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            start.ArgumentList.Add(typeof(BenchSummary).Assembly.Location);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["RESYNC_BENCH_CHILD"] = "1";
        using var child = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException($"The benchmark process for '{arguments[0]}' did not start.");
        while (await child.StandardOutput.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith(ChildLine, StringComparison.Ordinal))
            {
                Console.WriteLine(line);
                continue;
            }
            var parts = line[ChildLine.Length..].Split('\t');
            Add(parts[0], parts[1], parts[2], parts[3], parts[4].Length == 0 ? null : bool.Parse(parts[4]));
        }
        await child.WaitForExitAsync();
        if (child.ExitCode != 0)
            throw new InvalidOperationException($"The benchmark process for '{arguments[0]}' exited with {child.ExitCode}.");
    }

    /// <summary>The machine's load average (1, 5 and 15 minutes), or "?" where /proc is not there.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private sealed record Row(string Benchmark, string What, string Value, string Target, bool? Met);
}
