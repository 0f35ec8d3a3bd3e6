using System.Diagnostics;
using System.Net.Sockets;

namespace Resync.Cli.Tests;

/// <summary>
/// The commands that run links once start again without dynamic PGO (<see cref="OneShotProcess"/>), in the same process; the
/// server and the other commands keep the runtime's default.
/// </summary>
public sealed class OneShotProcessTests : IDisposable
{
    private readonly CliProcess _cli = new();

    [Theory]
    [InlineData("run", "link.yaml")]
    [InlineData("demo")]
    [InlineData("retry", "3")]
    [InlineData("incomplete", "retry", "--all")]
    public void CommandsThatRunLinksOnce_StartAgain(params string[] args) => OneShotProcess.RunsLinksOnce(args).ShouldBeTrue();

    [Theory]
    [InlineData("serve")]
    [InlineData("worker")]
    [InlineData("runs")]
    [InlineData("show", "3")]
    [InlineData("incomplete", "list")]
    [InlineData("--db", "state.db", "run", "link.yaml")] // options first: runs as it is
    [InlineData]
    public void OtherCommands_RunAsTheyAre(params string[] args) => OneShotProcess.RunsLinksOnce(args).ShouldBeFalse();

    [Fact]
    public async Task Run_StartsAgainInTheSameProcess_WithoutDynamicPgo()
    {
        var (environment, _) = await LongRunAsync();

        environment.ShouldContain($"{OneShotProcess.DynamicPgoVariable}=0");
        environment.Count(variable => variable.StartsWith(OneShotProcess.DynamicPgoVariable + "=", StringComparison.Ordinal)).ShouldBe(1);
    }

    [Fact]
    public async Task Run_StartedAgain_StillAnswersDiagnosticTools()
    {
        // The runtime's diagnostics socket is named by process id and start time, which execve keeps: the first image's file
        // goes before the start again, so that the new one listens (dotnet-counters, dotnet-trace, dotnet-dump attach).
        var (_, diagnosticsAnswered) = await LongRunAsync();

        diagnosticsAnswered.ShouldBeTrue();
    }

    [Fact]
    public async Task Run_WithAnEmptyLastArgument_RefusesItAsWithoutTheStartAgain()
    {
        var link = _cli.Write("link.yaml", "name: short\nsource: { type: demo, records: 10 }\ntarget: { type: demo, path: short.db }\n");

        var error = await _cli.RunFailingAsync(64, "run", link, "--db", _cli.StateFile, "");

        error.ShouldContain("''");
    }

    [Fact]
    public async Task Run_WithTheUsersOwnSetting_KeepsIt()
    {
        _cli.Environment[OneShotProcess.DynamicPgoVariable] = "1";

        var (environment, _) = await LongRunAsync();

        environment.Where(variable => variable.StartsWith(OneShotProcess.DynamicPgoVariable + "=", StringComparison.Ordinal))
            .ShouldBe([$"{OneShotProcess.DynamicPgoVariable}=1"]);
    }

    [Fact]
    public async Task Run_StartedAgain_ExitsWithTheRunsCodeAndPrintsItsSummary()
    {
        // The process that prints and exits is the one started again: what a caller reads is the run's.
        var run = await _cli.RunDemoLinkAsync(1, "paged", records: 300, failingPage: 0);

        run["status"]!.GetValue<string>().ShouldBe("CompletedWithErrors");
        run["counts"]!["read"]!.GetValue<long>().ShouldBe(300);
    }

    /// <summary>
    /// Starts a run long enough to look at, waits until it has made its state file (after any start again: that comes first),
    /// and answers the environment of the process the test started (by its id, as the kernel has it) and whether the runtime's
    /// diagnostics socket answers it; then stops the run.
    /// </summary>
    private async Task<(string[] Environment, bool DiagnosticsAnswered)> LongRunAsync()
    {
        var link = _cli.Write("long.yaml", """
            name: long
            source: { type: demo, records: 50000000, failingPage: 0 }
            target: { type: demo, path: long.db }
            """);
        using var process = _cli.Start("run", link, "--db", _cli.StateFile);
        try
        {
            var waited = Stopwatch.StartNew();
            while (!File.Exists(_cli.StateFile))
            {
                process.HasExited.ShouldBeFalse($"resync run exited with {(process.HasExited ? process.ExitCode : 0)}: {await ReadErrorsAsync(process)}");
                waited.Elapsed.ShouldBeLessThan(TimeSpan.FromMinutes(2), "resync run made no state file");
                await Task.Delay(20);
            }
            var environment = (await File.ReadAllTextAsync($"/proc/{process.Id}/environ")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            // Named by the process's start time (the 22nd field of /proc/<id>/stat): a killed process that once had the same id
            // may have left its own file beside it.
            var stat = await File.ReadAllTextAsync($"/proc/{process.Id}/stat");
            var startTime = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
            var socket = Path.Combine(Path.GetTempPath(), $"dotnet-diagnostic-{process.Id}-{startTime}-socket");
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            var answered = File.Exists(socket);
            try
            {
                if (answered)
                    await client.ConnectAsync(new UnixDomainSocketEndPoint(socket));
            }
            catch (SocketException)
            {
                answered = false;
            }
            return (environment, answered);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static async Task<string> ReadErrorsAsync(Process process) => process.HasExited ? await process.StandardError.ReadToEndAsync() : "";

    public void Dispose() => _cli.Dispose();
}
