using System.Diagnostics;
using System.Globalization;

namespace Resync.Testing;

/// <summary>The programs test helpers run (pg_ctl, rabbitmqctl, the resync CLI…): started with their output read, never shown.</summary>
public static class ExternalProgram
{
    /// <summary>How to start <paramref name="program"/> with <paramref name="arguments"/> (each one argument, never split), output and errors redirected.</summary>
    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments, string workingDirectory = "")
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return start;
    }

    /// <summary>Runs the program to its end and answers its output; throws naming the command, its exit code and what it said when it fails.</summary>
    public static async Task<string> RunAsync(ProcessStartInfo start, CancellationToken cancellationToken)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{start.FileName} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}: {await error}{await output}");
        return await output;
    }

    /// <summary>
    /// Starts a detached shell that runs <paramref name="cleanUp"/> (with <paramref name="arguments"/> as $1, $2…) once this
    /// test process is gone, however it ended: the test host is often killed right after the last test, before an exit handler
    /// can stop a server it started. Nothing where there is no <c>setsid</c>.
    /// </summary>
    public static void StartWatchdog(string name, string cleanUp, IEnumerable<string> arguments)
    {
        if (!File.Exists("/usr/bin/setsid"))
            return;
        var script = "owner=$1; shift\nwhile kill -0 \"$owner\" 2>/dev/null; do sleep 1; done\n" + cleanUp;
        using var watchdog = Process.Start(StartInfo("/usr/bin/setsid",
            ["-f", "sh", "-c", script, name, Environment.ProcessId.ToString(CultureInfo.InvariantCulture), .. arguments]));
        watchdog?.WaitForExit(TimeSpan.FromSeconds(10));
    }
}
