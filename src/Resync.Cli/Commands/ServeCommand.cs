using Microsoft.Extensions.Hosting;
using Resync.Server;

namespace Resync.Cli.Commands;

/// <summary><c>resync serve</c>: the server (API, push endpoint, scheduler) on the state file, until Ctrl+C.</summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(string? db, string urls, string? linksFolder, bool allowLoopback, bool allowPrivate, CancellationToken cancellationToken)
    {
        if (linksFolder is not null && !Directory.Exists(linksFolder))
            throw new CliException(ExitCodes.Usage, $"The links folder '{linksFolder}' does not exist.");
        var options = new ServerOptions
        {
            Urls = urls,
            DatabasePath = StateFile.Resolve(db),
            LinksFolder = linksFolder is null ? null : Path.GetFullPath(linksFolder),
            AllowLoopback = allowLoopback,
            AllowPrivateNetworks = allowPrivate,
        };
        await using var app = await ResyncServer.BuildAsync(options, cancellationToken: cancellationToken);
        await Console.Error.WriteLineAsync($"resync serve: {urls} (state {options.DatabasePath}); API under /api/v1, OpenAPI at /openapi/v1.json. Ctrl+C stops.");
        await app.StartAsync(cancellationToken);
        await app.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Succeeded;
    }
}
