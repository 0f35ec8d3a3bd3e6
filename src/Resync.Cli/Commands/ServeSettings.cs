using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Resync.Server;

namespace Resync.Cli.Commands;

/// <summary>
/// The settings of <c>resync serve</c>, from the usual .NET sources in the usual order (a later one wins): the defaults of
/// <see cref="ServerOptions"/>, <c>appsettings.json</c> (and <c>appsettings.{Environment}.json</c>) in the current folder or the
/// file given by <c>--config</c>, environment variables (<c>RESYNC__MAXBODYBYTES</c>; <c>ASPNETCORE_URLS</c>, <c>RESYNC_DB</c>),
/// then the command line. The same configuration reaches ASP.NET Core, so <c>Logging</c> and <c>Kestrel</c> sections work too.
/// </summary>
internal static class ServeSettings
{
    public const string DefaultFile = "appsettings.json";

    private static readonly string DefaultStateFile = Path.Combine(".resync", "state.db");

    /// <summary>Environment variables known by another name, read as the setting unless its own <c>RESYNC__…</c> variable is set.</summary>
    private static readonly (string Variable, string Setting)[] Aliases =
    [
        ("ASPNETCORE_URLS", nameof(ServerOptions.Urls)),
        (StateFile.EnvironmentVariable, nameof(ServerOptions.DatabasePath)),
        ("RESYNC_KEY_RING_CERTIFICATE_PASSWORD", nameof(ServerOptions.KeyRingCertificatePassword)),
        ("RESYNC_BROKER", nameof(ServerOptions.Broker)),
    ];

    /// <summary>The options of <c>resync serve</c> beyond <c>--state</c> (<c>--db</c>) and <c>--config</c>; each one left out leaves its setting to the other sources.</summary>
    public sealed record Flags(string? Urls = null, string? LinksFolder = null, bool AllowLoopback = false, bool AllowPrivateNetworks = false,
        IReadOnlyList<string>? AllowNetworks = null, string? DataFolder = null, IReadOnlyList<string>? AllowFiles = null, string? KeyRingCertificate = null,
        int? ShutdownSeconds = null, string? Broker = null);

    public static (ServerOptions Options, IConfigurationRoot Configuration) Load(string? configFile, string? db, Flags flags)
    {
        if (configFile is not null && !File.Exists(configFile))
            throw new CliException(ExitCodes.Usage, $"The settings file '{configFile}' does not exist.");
        var file = Path.GetFullPath(configFile ?? DefaultFile);
        var builder = new ConfigurationBuilder().AddJsonFile(file, optional: configFile is null, reloadOnChange: false);
        if ((Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")) is { Length: > 0 } environment)
            builder.AddJsonFile(Path.Combine(Path.GetDirectoryName(file)!, $"appsettings.{environment}.json"), optional: true, reloadOnChange: false);
        builder.AddEnvironmentVariables();
        builder.AddInMemoryCollection(Aliases
            .Where(alias => Environment.GetEnvironmentVariable(alias.Variable) is { Length: > 0 } && !HasOwnVariable(alias.Setting))
            .Select(alias => KeyValuePair.Create($"{ServerConfiguration.SectionName}:{alias.Setting}", Environment.GetEnvironmentVariable(alias.Variable))));
        builder.AddCommandLine([.. CommandLine(db, flags)]);

        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (InvalidDataException exception)
        {
            throw new CliException(ExitCodes.Usage, $"{exception.Message} {exception.InnerException?.Message}".TrimEnd());
        }
        ServerOptions options;
        try
        {
            options = ServerConfiguration.Bind(configuration, new ServerOptions { DatabasePath = DefaultStateFile });
        }
        catch (OptionsValidationException exception)
        {
            throw new CliException(ExitCodes.Usage, "The server's settings are invalid:", "Settings and their defaults: docs/configuration.md", [.. exception.Failures]);
        }
        // One setting names the store: a file path is the SQLite file (the key ring and data folders default beside it), any
        // other state (a connection string) a database server, whichever of State and DatabasePath ($RESYNC_DB) it came through.
        if (string.IsNullOrWhiteSpace(options.State))
            options.State = null;
        if (options.State is { } state && StateStores.IsFile(state))
            (options.DatabasePath, options.State) = (state, null);
        else if (options.State is null && !StateStores.IsFile(options.DatabasePath))
            (options.State, options.DatabasePath) = (options.DatabasePath, DefaultStateFile);
        if (options.State is { } server)
            StateFile.Checked(server);
        options.DatabasePath = Path.GetFullPath(options.DatabasePath);
        if (options.LinksFolder is { } folder)
        {
            options.LinksFolder = Path.GetFullPath(folder);
            if (!Directory.Exists(options.LinksFolder))
                throw new CliException(ExitCodes.Usage, $"The links folder '{folder}' ({ServerConfiguration.SectionName}:{nameof(ServerOptions.LinksFolder)}, --links) does not exist.",
                    $"Create it (mkdir {folder}) or point to a folder of link files.");
        }
        options.DataFolder = options.DataFolder is null ? null : Path.GetFullPath(options.DataFolder);
        options.AllowedFileRoots = [.. options.AllowedFileRoots.Select(Path.GetFullPath)];
        foreach (var root in options.AllowedFileRoots.Where(root => !Directory.Exists(root)))
            throw new CliException(ExitCodes.Usage, $"The folder '{root}' given to --allow-files does not exist.");
        if (options.KeyRingCertificatePath is { } certificate)
        {
            options.KeyRingCertificatePath = Path.GetFullPath(certificate);
            if (!File.Exists(options.KeyRingCertificatePath))
                throw new CliException(ExitCodes.Usage, $"The key ring certificate '{certificate}' does not exist.");
        }
        return (options, configuration);
    }

    private static bool HasOwnVariable(string setting) =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>().Any(name => string.Equals(name, $"RESYNC__{setting}", StringComparison.OrdinalIgnoreCase));

    /// <summary>The command-line options as configuration keys; a flag left out leaves the setting to the other sources.</summary>
    private static IEnumerable<string> CommandLine(string? db, Flags flags)
    {
        var section = ServerConfiguration.SectionName;
        if (db is not null)
            yield return $"--{section}:{nameof(ServerOptions.State)}={db}";
        if (flags.Urls is not null)
            yield return $"--{section}:{nameof(ServerOptions.Urls)}={flags.Urls}";
        if (flags.LinksFolder is not null)
            yield return $"--{section}:{nameof(ServerOptions.LinksFolder)}={flags.LinksFolder}";
        if (flags.AllowLoopback)
            yield return $"--{section}:{nameof(ServerOptions.AllowLoopback)}=true";
        if (flags.AllowPrivateNetworks)
            yield return $"--{section}:{nameof(ServerOptions.AllowPrivateNetworks)}=true";
        foreach (var (cidr, index) in (flags.AllowNetworks ?? []).Select((cidr, index) => (cidr, index)))
        {
            if (!System.Net.IPNetwork.TryParse(cidr, out _))
                throw new CliException(ExitCodes.Usage, $"--allow-network: '{cidr}' is not an address range in CIDR form, e.g. 10.20.0.0/16 or fd00:1::/64.");
            yield return $"--{section}:{nameof(ServerOptions.AllowedNetworks)}:{index}={cidr}";
        }
        if (flags.DataFolder is not null)
            yield return $"--{section}:{nameof(ServerOptions.DataFolder)}={flags.DataFolder}";
        foreach (var (root, index) in (flags.AllowFiles ?? []).Select((root, index) => (root, index)))
            yield return $"--{section}:{nameof(ServerOptions.AllowedFileRoots)}:{index}={root}";
        if (flags.KeyRingCertificate is not null)
            yield return $"--{section}:{nameof(ServerOptions.KeyRingCertificatePath)}={flags.KeyRingCertificate}";
        if (flags.Broker is not null)
            yield return $"--{section}:{nameof(ServerOptions.Broker)}={flags.Broker}";
        if (flags.ShutdownSeconds is { } seconds)
        {
            if (seconds is < 0 or > 3600)
                throw new CliException(ExitCodes.Usage, $"--shutdown-timeout is a number of seconds from 0 to 3600, found {seconds}.");
            yield return $"--{section}:{nameof(ServerOptions.ShutdownTimeout)}={TimeSpan.FromSeconds(seconds).ToString("c", System.Globalization.CultureInfo.InvariantCulture)}";
        }
    }
}
