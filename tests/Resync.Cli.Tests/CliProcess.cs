using System.Diagnostics;

namespace Resync.Cli.Tests;

/// <summary>Runs the real <c>resync</c> command (the built resync.dll) in a folder of its own, as a user would.</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly TempDirectory _folder = new("resync-cli");

    public string Folder => _folder.Path;

    public string StateFile => Path.Combine(Folder, "state.db");

    /// <summary>The state the serve helpers use: <see cref="StateFile"/> unless a test points them at a database server.</summary>
    public string State { get; set; } = "";

    /// <summary>Environment variables for the commands started from now on.</summary>
    public Dictionary<string, string> Environment { get; } = [];

    public string Write(string name, string content)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>
    /// Writes link <paramref name="name"/> (<c>name.yaml</c>): <paramref name="records"/> demo records, page
    /// <paramref name="failingPage"/> failing (0: none), to a demo target (<c>name.db</c> unless <paramref name="targetFile"/>),
    /// with the <paramref name="settings"/> map if given; runs it, expecting <paramref name="expectedExit"/>, and answers the run.
    /// </summary>
    public Task<JsonObject> RunDemoLinkAsync(int expectedExit, string name, int records, int failingPage, string? settings = null, string? targetFile = null)
    {
        var yaml = $$"""
            name: {{name}}
            source: { type: demo, records: {{records}}, failingPage: {{failingPage}} }
            target: { type: demo, path: {{targetFile ?? name + ".db"}} }
            """;
        var link = Write($"{name}.yaml", settings is null ? yaml : $"{yaml}\nsettings: {settings}");
        return RunJsonAsync(expectedExit, "run", link, "--db", StateFile);
    }

    /// <summary>
    /// The user the commands run as from now on (null: this process's). Root's file permissions do not bind it: a test of a
    /// read-only file runs the command as another user. The folder is opened to everyone.
    /// </summary>
    public int? UserId
    {
        get;
        set
        {
            field = value;
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(Folder, (UnixFileMode)0b111_111_111);
        }
    }

    public Process Start(params string[] args)
    {
        var resync = Path.Combine(AppContext.BaseDirectory, "resync.dll");
        var start = UserId is { } user
            ? ExternalProgram.StartInfo("setpriv", [$"--reuid={user}", $"--regid={user}", "--clear-groups", "dotnet", resync, .. args], Folder)
            : ExternalProgram.StartInfo("dotnet", [resync, .. args], Folder);
        if (UserId is not null)
            start.Environment["HOME"] = Folder;
        start.Environment.Remove("RESYNC_DB");
        // The one-shot commands' start again leaves a setting of the caller's own as it is: the tests see the product's default.
        start.Environment.Remove(OneShotProcess.DynamicPgoVariable);
        foreach (var (name, value) in Environment)
            start.Environment[name] = value;
        return Process.Start(start)!;
    }

    public Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args) => WaitAsync(Start(args));

    /// <summary>Runs another program (dotnet pack, an installed tool…) in the folder, with extra environment variables.</summary>
    public Task<(int ExitCode, string Out, string Error)> RunProgramAsync(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = ExternalProgram.StartInfo(program, args, Folder);
        start.Environment.Remove("RESYNC_DB");
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        return WaitAsync(Process.Start(start)!);
    }

    private static async Task<(int ExitCode, string Out, string Error)> WaitAsync(Process started)
    {
        using var process = started;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // A safety net against a hang (generous: the machine may be running several suites at once).
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Runs a command that must fail with <paramref name="expectedExit"/>; answers what it wrote on stderr.</summary>
    public async Task<string> RunFailingAsync(int expectedExit, params string[] args)
    {
        var (exit, output, error) = await RunAsync(args);
        exit.ShouldBe(expectedExit, $"stderr: {error}\nstdout: {output}");
        return error;
    }

    public async Task<JsonObject> RunJsonAsync(int expectedExit, params string[] args)
    {
        var (exit, output, error) = await RunAsync([.. args, "--json"]);
        exit.ShouldBe(expectedExit, $"stderr: {error}\nstdout: {output}");
        return JsonNode.Parse(output)!.AsObject();
    }

    /// <summary>
    /// Starts <c>resync serve --json</c> with <paramref name="args"/>, reads its start line (where it listens, its settings),
    /// calls <paramref name="whileRunning"/> and stops it.
    /// </summary>
    public async Task<JsonObject> ServeAsync(string[] args, Func<JsonObject, Task>? whileRunning = null)
    {
        using var process = Start(["serve", "--db", State.Length > 0 ? State : StateFile, "--json", .. args]);
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                // Log lines may come first (plain or JSON, as Logging:Console says).
                if (line.StartsWith("{\"listening\"", StringComparison.Ordinal))
                {
                    var started = JsonNode.Parse(line)!.AsObject();
                    if (whileRunning is not null)
                        await whileRunning(started);
                    return started;
                }
            }
            throw new InvalidOperationException($"resync serve stopped before it listened (exit {process.ExitCode}): {await errors}");
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
