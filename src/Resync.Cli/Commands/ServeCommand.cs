using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Resync.Server;

namespace Resync.Cli.Commands;

/// <summary><c>resync serve</c>: the server (API, push endpoint, scheduler) on the state file, until SIGTERM or Ctrl+C.</summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(string? db, string urls, string? linksFolder, bool allowLoopback, bool allowPrivate, int? shutdownSeconds,
        CancellationToken cancellationToken)
    {
        if (linksFolder is not null && !Directory.Exists(linksFolder))
            throw new CliException(ExitCodes.Usage, $"The links folder '{linksFolder}' does not exist.");
        if (shutdownSeconds is < 0 or > 3600)
            throw new CliException(ExitCodes.Usage, $"--shutdown-timeout is a number of seconds from 0 to 3600, found {shutdownSeconds}.");
        var options = new ServerOptions
        {
            Urls = urls,
            DatabasePath = StateFile.Resolve(db),
            LinksFolder = linksFolder is null ? null : Path.GetFullPath(linksFolder),
            AllowLoopback = allowLoopback,
            AllowPrivateNetworks = allowPrivate,
        };
        if (shutdownSeconds is { } seconds)
            options.ShutdownTimeout = TimeSpan.FromSeconds(seconds);
        // Signals are the host's to handle (System.CommandLine's would end the process after 2 s, mid-shutdown).
        await using var app = await ResyncServer.BuildAsync(options,
            configure: builder => builder.Services.AddSingleton<IHostLifetime, SignalLifetime>(), cancellationToken: cancellationToken);
        await Console.Error.WriteLineAsync($"resync serve: {urls} (state {options.DatabasePath}); API under /api/v1, OpenAPI at /openapi/v1.json. Ctrl+C stops.");
        await app.StartAsync(cancellationToken);
        await app.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Succeeded;
    }
}
