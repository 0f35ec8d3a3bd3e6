namespace Resync.Benchmarks.Pipeline;

/// <summary>
/// This process's CPU time by kind of thread, from Linux's per-thread counters (/proc/self/task): the thread pool's workers (the
/// source, the steps, the target, the API server) and the long-running thread (the SQLite state store's single writer; the bare
/// loop has none). The rest (socket polling, the JIT's tiering, the GC's background thread) is the process's CPU less these.
/// The writer's share is steady from run to run (0.41–0.50 s per million records on 2026-12-04) while the workers' swings with
/// the machine, so a change to what the store writes shows there first. Zero on a system without the counters.
/// </summary>
internal sealed class ThreadCpu
{
    // The kernel's clock ticks per second for these counters (USER_HZ: 100 on every Linux architecture .NET runs on).
    private const double TicksPerSecond = 100;
    private readonly Dictionary<string, (string Name, long Ticks)> _started;

    private ThreadCpu(Dictionary<string, (string Name, long Ticks)> started) => _started = started;

    public static ThreadCpu Start() => new(Read());

    /// <summary>CPU seconds since <see cref="Start"/> of the workers and the writer alive now (a thread that ended meanwhile is left out).</summary>
    public (double Workers, double Writer) Stop()
    {
        double workers = 0, writer = 0;
        foreach (var (id, (name, ticks)) in Read())
        {
            var seconds = (ticks - (_started.TryGetValue(id, out var before) ? before.Ticks : 0)) / TicksPerSecond;
            // Linux keeps 15 characters of a thread's name: ".NET TP Worker", ".NET Long Runni(ng Task)".
            if (name.StartsWith(".NET TP Worker", StringComparison.Ordinal))
                workers += seconds;
            else if (name.StartsWith(".NET Long Runni", StringComparison.Ordinal))
                writer += seconds;
        }
        return (workers, writer);
    }

    private static Dictionary<string, (string Name, long Ticks)> Read()
    {
        var threads = new Dictionary<string, (string, long)>(StringComparer.Ordinal);
        if (!Directory.Exists("/proc/self/task"))
            return threads;
        foreach (var folder in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(folder, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended while being listed
            }
            // "id (name) state …": the name may hold spaces, so the fields are counted from its closing parenthesis; user and
            // system time are the 14th and 15th fields, the 12th and 13th after the state.
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            threads[Path.GetFileName(folder)] = (stat[(stat.IndexOf('(') + 1)..close], long.Parse(fields[11]) + long.Parse(fields[12]));
        }
        return threads;
    }
}
