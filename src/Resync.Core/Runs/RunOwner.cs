using System.Diagnostics;
using System.Globalization;

namespace Resync.Core.Runs;

/// <summary>
/// Identifies the process running a run (<c>host:pid</c>) so that, at the next start, a run whose process
/// died is marked Interrupted instead of staying "running" forever, while runs of live processes are left alone.
/// </summary>
public static class RunOwner
{
    /// <summary>This process.</summary>
    public static string Current { get; } = $"{Environment.MachineName}:{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>True when the owner is a process on this host that no longer runs.</summary>
    public static bool IsDeadOnThisHost(string owner)
    {
        var colon = owner.LastIndexOf(':');
        if (colon <= 0 || owner[..colon] != Environment.MachineName
            || !int.TryParse(owner[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            return false;
        if (pid == Environment.ProcessId)
            return false;
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
