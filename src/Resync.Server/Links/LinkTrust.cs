using System.Text.RegularExpressions;
using Resync.Core.Errors;
using Resync.Core.Sdk;

namespace Resync.Server.Links;

/// <summary>
/// The one place the server decides what a link may reach (docs/security.md). A link from the API is confined to its
/// tenant's data folder (and the extra roots an operator allowed) and to the component types tenants may use; a link
/// from the operator's links folder may reach any file. No link reaches the state file or the key ring. Applied when a
/// document is accepted, when a stored one is built again at start, and right before a connector opens a file.
/// </summary>
public sealed partial class LinkTrust : ILinkTrust
{
    /// <summary>The code of the system error of a file a link may no longer reach when it is opened.</summary>
    public const string FileNotAllowed = ErrorCodes.FileNotAllowed;

    private readonly ServerFiles _files;
    private readonly ServerOptions? _tenantRules;
    private readonly string? _folder;
    private readonly string? _refusal;

    private readonly ServerOptions? _server;

    private LinkTrust(ServerFiles files, ServerOptions? tenantRules, string? tenant, ServerOptions? server = null)
    {
        _files = files;
        _tenantRules = tenantRules;
        _server = server ?? tenantRules;
        Tenant = tenant;
        if (tenant is null)
            return;
        if (!TenantName().IsMatch(tenant))
        {
            _refusal = $"the tenant '{tenant}' cannot name a data folder (letters, digits, '-', '_' and '.' only), so its links cannot use files";
            return;
        }
        _folder = files.TenantFolder(tenant);
    }

    /// <summary>The tenant of the links from the API (null for the operator's files, whose tenant is their own).</summary>
    public string? Tenant { get; }

    /// <summary>The trust of a link the operator wrote into the links folder: every file but the server's own.</summary>
    /// <param name="options">The server's settings its alert routes are checked against (outbound network policy, SMTP); none: not checked.</param>
    public static LinkTrust OperatorFile(ServerFiles files, ServerOptions? options = null) => new(files, null, null, options);

    /// <summary>The trust of a link that came through the API for <paramref name="tenant"/>.</summary>
    public static LinkTrust Api(ServerFiles files, ServerOptions options, string tenant) => new(files, options, tenant);

    /// <summary>The folder relative paths of the link start at (created when missing, so links inside it resolve).</summary>
    public string BaseDirectory(string fallback)
    {
        if (_folder is null)
            return fallback;
        Directory.CreateDirectory(_folder);
        return _folder;
    }

    public string ResolvePath(string value, string baseDirectory)
    {
        if (_tenantRules is null)
        {
            var full = Path.GetFullPath(Path.Combine(baseDirectory, value));
            return Reach(full) is { } forbidden ? throw new ArgumentException($"'{value}': {forbidden}") : full;
        }
        if (_refusal is not null)
            throw new ArgumentException(_refusal);
        if (ConfinedPath.RefuseWritten(value) is { } written)
            throw new ArgumentException($"'{value}' is refused: {written}");
        var rooted = Path.IsPathRooted(value) || value.StartsWith('~');
        var path = Path.GetFullPath(rooted ? value : Path.Combine(_folder!, value));
        if (Reach(path) is { } outside)
        {
            throw new ArgumentException(rooted && outside == Outside
                ? $"'{value}' is an absolute path; give a path relative to the tenant's data folder (absolute paths only inside the roots the operator allowed)"
                : $"'{value}' is refused: {outside}");
        }
        return path;
    }

    public void CheckBeforeOpen(string fullPath)
    {
        if (Reach(fullPath) is { } refusal)
        {
            throw new ResyncException(new ErrorClassification(ErrorType.Runtime, Durability.Durable, FileNotAllowed,
                $"the file '{Path.GetFileName(fullPath)}' may not be opened: {refusal}",
                "A symbolic link or folder was changed since the link was accepted; put the file back inside the tenant's data folder."));
        }
    }

    public string? RefuseType(string section, string type)
    {
        if (_tenantRules is null)
            return null;
        var (allowed, setting) = section switch
        {
            "source" => (_tenantRules.TenantSourceTypes, nameof(ServerOptions.TenantSourceTypes)),
            "target" => (_tenantRules.TenantTargetTypes, nameof(ServerOptions.TenantTargetTypes)),
            _ => (_tenantRules.TenantStepTypes, nameof(ServerOptions.TenantStepTypes)),
        };
        return allowed is null || allowed.Contains(type, StringComparer.Ordinal)
            ? null
            : $"the {(section == "steps" ? "step" : section)} type '{type}' is not allowed for links from the API on this server ({setting}: {(allowed.Count == 0 ? "none" : string.Join(", ", allowed))})";
    }

    public string? RefuseAlertDestination(Uri destination) => _server is null ? null : Alerts.AlertDestinationRules.Refuse(destination, _server);

    public string? RefuseUrl(Uri url)
    {
        // An address literal, or "localhost" (the one name whose answer the rules fix); other names are checked at every connection.
        var address = url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && System.Net.IPAddress.TryParse(url.DnsSafeHost, out var literal) ? literal
            : url.IsLoopback ? System.Net.IPAddress.Loopback : null;
        return address is not null && _files.Network.Check(address) is { } refused
            ? $"'{url.Host}' is an address this server does not connect to: {refused.Rule} (the outbound network policy); use a public address, or ask the operator to allow it"
            : null;
    }

    private const string Outside = "it leads outside the tenant's data folder";

    /// <summary>Why a full path is out of this link's reach, following symbolic links (null: within reach).</summary>
    private string? Reach(string fullPath)
    {
        var roots = _folder is null ? _files.AllowedRoots : [_folder, .. _files.AllowedRoots];
        string real;
        List<string> realRoots;
        try
        {
            real = ConfinedPath.RealPath(fullPath);
            realRoots = [.. roots.Select(ConfinedPath.RealPath)];
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return $"its symbolic links cannot be followed ({exception.GetType().Name}: a loop, too many levels or a folder that cannot be read)";
        }
        if (_files.Forbidden(fullPath, real) is { } forbidden)
            return forbidden;
        if (_tenantRules is null)
            return null;
        var inside = roots.Select((root, i) => ConfinedPath.Within(fullPath, root) && ConfinedPath.Within(real, realRoots[i])).Any(within => within);
        if (inside)
            return null;
        return roots.Any(root => ConfinedPath.Within(fullPath, root)) ? Outside + " (through a symbolic link)" : Outside;
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex TenantName();
}
