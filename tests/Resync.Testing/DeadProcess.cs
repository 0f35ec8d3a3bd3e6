using System.Diagnostics;
using System.Globalization;

namespace Resync.Testing;

/// <summary>A run owner whose process has exited on this host: what a store finds after a crash (a kill -9, a power cut).</summary>
public static class DeadProcess
{
    /// <summary>The owner of a run started by a process of this host that has exited since.</summary>
    public static string Owner()
    {
        using var process = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })
            ?? throw new InvalidOperationException("/bin/true did not start.");
        process.WaitForExit();
        return $"{Environment.MachineName}:{process.Id.ToString(CultureInfo.InvariantCulture)}";
    }
}
