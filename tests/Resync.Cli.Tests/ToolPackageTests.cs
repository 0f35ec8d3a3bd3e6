using System.Reflection;

namespace Resync.Cli.Tests;

/// <summary>The install story of the README: <c>dotnet pack</c> to a local feed, <c>dotnet tool install</c> from it, run <c>resync</c>.</summary>
public sealed class ToolPackageTests : IDisposable
{
    private readonly CliProcess _cli = new();

    [Fact]
    public async Task PackedTool_InstalledFromLocalFeed_RunsTheDemo()
    {
        var feed = Path.Combine(_cli.Folder, "feed");
        var tools = Path.Combine(_cli.Folder, "tools");
        // The build that ran these tests already built the command: pack it as it is (offline, no second build).
        var configuration = typeof(ToolPackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var pack = await _cli.RunProgramAsync("dotnet", ["pack", RepositoryFiles.PathOf("src", "Resync.Cli"), "--no-build", "-c", configuration, "-o", feed]);
        pack.ExitCode.ShouldBe(0, pack.Out + pack.Error);
        var package = Path.GetFileNameWithoutExtension(Directory.GetFiles(feed, "resync.*.nupkg").ShouldHaveSingleItem());

        // A package cache of its own, so that an older package of the same version cached by an earlier install is not used.
        var install = await _cli.RunProgramAsync("dotnet", ["tool", "install", "--tool-path", tools, "--add-source", feed, "--version", package["resync.".Length..], "resync"],
            new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_cli.Folder, "packages") });
        install.ExitCode.ShouldBe(0, install.Out + install.Error);
        var (exit, output, error) = await _cli.RunProgramAsync(Path.Combine(tools, "resync"), ["demo", "--json"]);

        exit.ShouldBe(1, error);
        var run = JsonNode.Parse(output)!.AsObject();
        run["status"]!.GetValue<string>().ShouldBe("CompletedWithErrors");
        run["counts"]!["read"]!.GetValue<long>().ShouldBe(2900);
        File.Exists(Path.Combine(_cli.Folder, ".resync", "state.db")).ShouldBeTrue();
    }

    public void Dispose() => _cli.Dispose();
}
