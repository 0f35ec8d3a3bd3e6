using Microsoft.Extensions.Hosting;
using Resync.Server;

namespace Resync.Cli.Commands;

/// <summary><c>resync serve</c>: the server (API, push endpoint, scheduler) on the state file, until Ctrl+C.</summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(string? db, string urls, string? linksFolder, bool allowLoopback, bool allowPrivate, IReadOnlyList<string> allowNetworks,
        CancellationToken cancellationToken)
    {
        if (linksFolder is not null && !Directory.Exists(linksFolder))
            throw new CliException(ExitCodes.Usage, $"The links folder '{linksFolder}' does not exist.");
        var networks = new List<System.Net.IPNetwork>();
        foreach (var cidr in allowNetworks)
        {
            if (!System.Net.IPNetwork.TryParse(cidr, out var network))
                throw new CliException(ExitCodes.Usage, $"--allow-network: '{cidr}' is not an address range in CIDR form, e.g. 10.20.0.0/16 or fd00:1::/64.");
            networks.Add(network);
        }
        var options = new ServerOptions
        {
            Urls = urls,
            DatabasePath = StateFile.Resolve(db),
            LinksFolder = linksFolder is null ? null : Path.GetFullPath(linksFolder),
            AllowLoopback = allowLoopback,
            AllowPrivateNetworks = allowPrivate,
            AllowedNetworks = networks,
        };
        await using var app = await ResyncServer.BuildAsync(options, cancellationToken: cancellationToken);
        await Console.Error.WriteLineAsync($"resync serve: {urls} (state {options.DatabasePath}); API under /api/v1, OpenAPI at /openapi/v1.json. Ctrl+C stops.");
        await app.StartAsync(cancellationToken);
        await app.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Succeeded;
    }
}
