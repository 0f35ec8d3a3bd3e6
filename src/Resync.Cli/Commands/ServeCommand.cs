using Microsoft.Extensions.Hosting;
using Resync.Server;

namespace Resync.Cli.Commands;

/// <summary><c>resync serve</c>: the server (API, push endpoint, scheduler) on the state file, until Ctrl+C.</summary>
internal static class ServeCommand
{
    /// <summary>Where links may keep files, and the certificate that protects the key ring.</summary>
    public sealed record Files(string? DataFolder, IReadOnlyList<string> AllowedRoots, string? KeyRingCertificate);

    public static async Task<int> RunAsync(string? db, string urls, string? linksFolder, bool allowLoopback, bool allowPrivate, CancellationToken cancellationToken,
        Files? files = null)
    {
        files ??= new Files(null, [], null);
        if (files.KeyRingCertificate is { } certificate && !File.Exists(certificate))
            throw new CliException(ExitCodes.Usage, $"The key ring certificate '{certificate}' does not exist.");
        foreach (var root in files.AllowedRoots.Where(root => !Directory.Exists(root)))
            throw new CliException(ExitCodes.Usage, $"The folder '{root}' given to --allow-files does not exist.");
        if (linksFolder is not null && !Directory.Exists(linksFolder))
            throw new CliException(ExitCodes.Usage, $"The links folder '{linksFolder}' does not exist.");
        var options = new ServerOptions
        {
            Urls = urls,
            DatabasePath = StateFile.Resolve(db),
            LinksFolder = linksFolder is null ? null : Path.GetFullPath(linksFolder),
            AllowLoopback = allowLoopback,
            AllowPrivateNetworks = allowPrivate,
            DataFolder = files.DataFolder is null ? null : Path.GetFullPath(files.DataFolder),
            AllowedFileRoots = [.. files.AllowedRoots.Select(Path.GetFullPath)],
            KeyRingCertificatePath = files.KeyRingCertificate is null ? null : Path.GetFullPath(files.KeyRingCertificate),
            KeyRingCertificatePassword = Environment.GetEnvironmentVariable("RESYNC_KEY_RING_CERTIFICATE_PASSWORD"),
        };
        await using var app = await ResyncServer.BuildAsync(options, cancellationToken: cancellationToken);
        await Console.Error.WriteLineAsync($"resync serve: {urls} (state {options.DatabasePath}); API under /api/v1, OpenAPI at /openapi/v1.json. Ctrl+C stops.");
        await app.StartAsync(cancellationToken);
        await app.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Succeeded;
    }
}
