using System.Collections;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Resync.Cli;

/// <summary>
/// The commands that run links once (<c>run</c>, <c>demo</c>, <c>retry</c>, <c>incomplete retry</c>) start again without dynamic
/// PGO. The runtime instruments the code a process runs first, then compiles it a third time: a server that runs for days gains
/// from that (a push costs 10–40 % less CPU with it), but a one-shot run pays it and rarely lives long enough to earn it back:
/// `resync run` of 300,000 to 1,000,000 records used about a third less CPU without it (docs/benchmarks.md, "`resync run` as a
/// user runs it"). The runtime reads the switch once, when the process starts, and `resync serve` is this same program, so
/// such a command replaces this process with the same one (<c>execve</c>: the same process id, signals, standard streams and
/// exit code) with <see cref="DynamicPgoVariable"/> set to 0, before anything else is done. Linux only (the original command
/// line comes from <c>/proc</c>); a variable set by the user is left as it is.
/// </summary>
internal static class OneShotProcess
{
    /// <summary>The runtime's switch for dynamic PGO, read from the environment when a process starts.</summary>
    public const string DynamicPgoVariable = "DOTNET_TieredPGO";

    /// <summary>
    /// Starts the command again without dynamic PGO when it runs links once; returns only where it does not. A module
    /// initializer: it runs before <c>Main</c>, whose one large method (every command's definition) would otherwise be compiled
    /// first, only to be thrown away with the process.
    /// </summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "An application's own start, not a library's.")]
    internal static void RestartWithoutDynamicPgo()
    {
        // Only as the program itself: a test or benchmark process that loads this assembly keeps its own command line.
        if (System.Reflection.Assembly.GetEntryAssembly() != typeof(OneShotProcess).Assembly)
            return;
        var args = Environment.GetCommandLineArgs()[1..];
        if (!RunsLinksOnce(args) || !OperatingSystem.IsLinux() || SetElsewhere() || Environment.ProcessPath is not { } program)
            return;
        try
        {
            // As it was started: `resync run …`, `dotnet resync.dll run …` (the .NET tool, the tests), the host's own options;
            // each argument ends in a NUL (an empty last argument too).
            var text = File.ReadAllText("/proc/self/cmdline", Encoding.UTF8);
            if (text.Length == 0)
                return;
            string?[] commandLine = [.. text[..^1].Split('\0'), null];
            var variables = Environment.GetEnvironmentVariables();
            var environment = new string?[variables.Count + 2];
            var next = 0;
            foreach (DictionaryEntry variable in variables)
                environment[next++] = $"{variable.Key}={variable.Value}";
            environment[next] = $"{DynamicPgoVariable}=0";
            // An argument or variable that is not UTF-8 (a file name in another encoding) would not survive the round trip.
            if (text.Contains('\uFFFD', StringComparison.Ordinal) || Array.Exists(environment, entry => entry?.Contains('\uFFFD', StringComparison.Ordinal) == true))
                return;
            // The diagnostics socket is named by process id and start time, both kept by execve: the new image could not listen on
            // it while the old one's file is there (dotnet-counters, dotnet-trace and dotnet-dump could not attach).
            foreach (var socket in Directory.GetFiles(Path.GetTempPath(), $"dotnet-diagnostic-{Environment.ProcessId}-*-socket"))
                File.Delete(socket);
            ExecuteAgain(program, commandLine, environment);
            // execve returns only when it failed (the program moved away, say): the command runs here as it is.
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            // /proc or libc out of reach (a confined process): the command runs here as it is.
        }
    }

    /// <summary>
    /// Whether something else decides already: the user's own PGO or tiering setting (either prefix, or the runtime
    /// configuration), or a tool that attaches at start (a diagnostic port that suspends, a startup hook, a profiler), which
    /// would see the start twice.
    /// </summary>
    private static bool SetElsewhere()
    {
        string[] settings = ["TieredPGO", "TieredCompilation", "DiagnosticPorts", "DefaultDiagnosticPortSuspend", "STARTUP_HOOKS"];
        foreach (var setting in settings)
        {
            if (Environment.GetEnvironmentVariable("DOTNET_" + setting) is not null || Environment.GetEnvironmentVariable("COMPlus_" + setting) is not null)
                return true;
        }
        return Environment.GetEnvironmentVariable("CORECLR_ENABLE_PROFILING") is not null
            || AppContext.GetData("System.Runtime.TieredPGO") is not null || AppContext.GetData("System.Runtime.TieredCompilation") is not null;
    }

    /// <summary>Whether the command line names a command that runs links once.</summary>
    internal static bool RunsLinksOnce(string[] args) => args switch
    {
        ["run" or "demo" or "retry", ..] => true,
        ["incomplete", "retry", ..] => true,
        _ => false,
    };

    // The runtime's marshalling (UTF-8 strings, each array ending in a null pointer): the generated kind needs unsafe code.
    [DllImport("libc", EntryPoint = "execve", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int ExecuteAgain(string path, string?[] arguments, string?[] environment);
}
