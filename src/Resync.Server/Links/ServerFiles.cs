namespace Resync.Server.Links;

/// <summary>
/// Where the server keeps its own files and where links may keep theirs: the state file (with its journal siblings) and
/// the key ring, which no link may reach; the data root with a folder per tenant; the extra roots an operator allowed.
/// </summary>
public sealed class ServerFiles
{
    private static readonly string[] StateSiblings = ["", "-wal", "-shm", "-journal"];
    private readonly string[] _forbiddenFiles;
    private readonly string[] _forbiddenFolders;

    public ServerFiles(ServerOptions options)
    {
        var state = Path.GetFullPath(options.DatabasePath);
        var beside = Path.GetDirectoryName(state) ?? ".";
        KeyRing = Path.GetFullPath(options.KeyRingFolder ?? Path.Combine(beside, "keys"));
        DataRoot = Path.GetFullPath(options.DataFolder ?? Path.Combine(beside, "data"));
        AllowedRoots = [.. options.AllowedFileRoots.Select(root => Path.GetFullPath(root))];
        Network = options.NetworkPolicy();
        // Both the path as written and the one its links lead to: a folder behind a symbolic link is still the same folder.
        _forbiddenFiles = [.. StateSiblings.SelectMany(suffix => new[] { state + suffix, ConfinedPath.RealPath(state) + suffix }).Distinct()];
        _forbiddenFolders = [.. new[] { KeyRing, ConfinedPath.RealPath(KeyRing) }.Distinct()];
    }

    /// <summary>The Data Protection key ring folder.</summary>
    public string KeyRing { get; }

    /// <summary>The folder that holds every tenant's data folder (<c>tenants/&lt;tenant&gt;</c>).</summary>
    public string DataRoot { get; }

    /// <summary>Folders the operator allowed links from the API to reach besides their tenant's data folder.</summary>
    public IReadOnlyList<string> AllowedRoots { get; }

    /// <summary>The addresses the server connects to (for checking a URL a link gives when the link is read).</summary>
    public Connectors.Network.OutboundNetworkPolicy Network { get; }

    /// <summary>The data folder of a tenant's links.</summary>
    public string TenantFolder(string tenant) => Path.Combine(DataRoot, "tenants", tenant);

    /// <summary>Why no link may reach this path (its real path given too), or null.</summary>
    public string? Forbidden(string fullPath, string realPath)
    {
        foreach (var path in new[] { fullPath, realPath })
        {
            if (_forbiddenFiles.Any(file => ConfinedPath.Same(path, file)))
                return "it is the server's state file (or its journal); no link may reach it";
            if (_forbiddenFolders.Any(folder => ConfinedPath.Within(path, folder)))
                return "it is in the server's key ring folder; no link may reach it";
        }
        return null;
    }
}
