using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Resync.Cli.Output;
using Resync.Server;

namespace Resync.Cli.Commands;

/// <summary><c>resync serve</c>: the server (API, push endpoint, scheduler) on the state file, until SIGTERM or Ctrl+C.</summary>
internal static class ServeCommand
{
    /// <summary>Where links may keep files, and the certificate that protects the key ring (command-line options).</summary>
    public sealed record Files(string? DataFolder, IReadOnlyList<string> AllowedRoots, string? KeyRingCertificate);

    public static async Task<int> RunAsync(ServerOptions options, IConfiguration configuration, IReadOnlyList<string> allowNetworks, Files files,
        int? shutdownSeconds, bool json, CancellationToken cancellationToken)
    {
        if (shutdownSeconds is < 0 or > 3600)
            throw new CliException(ExitCodes.Usage, $"--shutdown-timeout is a number of seconds from 0 to 3600, found {shutdownSeconds}.");
        if (shutdownSeconds is { } seconds)
            options.ShutdownTimeout = TimeSpan.FromSeconds(seconds);
        if (allowNetworks.Count > 0)
        {
            var networks = new List<System.Net.IPNetwork>(options.AllowedNetworks);
            foreach (var cidr in allowNetworks)
            {
                if (!System.Net.IPNetwork.TryParse(cidr, out var network))
                    throw new CliException(ExitCodes.Usage, $"--allow-network: '{cidr}' is not an address range in CIDR form, e.g. 10.20.0.0/16 or fd00:1::/64.");
                networks.Add(network);
            }
            options.AllowedNetworks = networks;
        }
        if (files.DataFolder is not null)
            options.DataFolder = files.DataFolder;
        if (files.KeyRingCertificate is not null)
            options.KeyRingCertificatePath = files.KeyRingCertificate;
        options.KeyRingCertificatePassword ??= Environment.GetEnvironmentVariable("RESYNC_KEY_RING_CERTIFICATE_PASSWORD");
        options.AllowedFileRoots = [.. options.AllowedFileRoots, .. files.AllowedRoots];
        if (options.KeyRingCertificatePath is { } certificate && !File.Exists(certificate))
            throw new CliException(ExitCodes.Usage, $"The key ring certificate '{certificate}' does not exist.");
        foreach (var root in options.AllowedFileRoots.Where(root => !Directory.Exists(root)))
            throw new CliException(ExitCodes.Usage, $"The folder '{root}' given to --allow-files does not exist.");
        options.DataFolder = options.DataFolder is null ? null : Path.GetFullPath(options.DataFolder);
        options.AllowedFileRoots = [.. options.AllowedFileRoots.Select(Path.GetFullPath)];
        options.KeyRingCertificatePath = options.KeyRingCertificatePath is null ? null : Path.GetFullPath(options.KeyRingCertificatePath);
        // Signals are the host's to handle (System.CommandLine's would end the process after 2 s, mid-shutdown).
        await using var app = await ResyncServer.BuildAsync(options, configure: builder =>
        {
            builder.Configuration.AddConfiguration(configuration);
            builder.Services.AddSingleton<IHostLifetime, SignalLifetime>();
        }, cancellationToken: cancellationToken);
        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [options.Urls];
        if (json)
        {
            // One line, so that a supervisor can read where the server listens (port 0 included) and the settings it runs with.
            var started = new JsonObject
            {
                ["listening"] = new JsonArray([.. addresses.Select(a => (JsonNode)JsonValue.Create(a))]),
                ["stateFile"] = options.DatabasePath,
                ["settings"] = JsonSerializer.SerializeToNode(options, RunDocument.Options),
            };
            await Console.Out.WriteLineAsync(started.ToJsonString(RunDocument.Compact));
            await Console.Out.FlushAsync(cancellationToken);
        }
        else
        {
            await Console.Error.WriteLineAsync($"resync serve: listening on {string.Join(", ", addresses)} (state {options.DatabasePath}); API under /api/v1, OpenAPI at /openapi/v1.json. Ctrl+C stops.");
        }
        await app.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Succeeded;
    }
}
