namespace Resync.Server.Links;

/// <summary>Watches the links folder and reloads a link file when it is created, changed, renamed or deleted.</summary>
internal sealed class LinkFolderWatcher(LinkRegistry registry, ServerOptions options, ILogger<LinkFolderWatcher> logger) : IHostedService, IDisposable
{
    private FileSystemWatcher? _watcher;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.LinksFolder is not { } folder || !Directory.Exists(folder))
            return Task.CompletedTask;
        _watcher = new FileSystemWatcher(folder) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
        _watcher.Changed += (_, e) => Reload(e.FullPath);
        _watcher.Created += (_, e) => Reload(e.FullPath);
        _watcher.Renamed += (_, e) =>
        {
            registry.RemoveFile(e.OldFullPath);
            Reload(e.FullPath);
        };
        _watcher.Deleted += (_, e) => registry.RemoveFile(e.FullPath);
        _watcher.EnableRaisingEvents = true;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_watcher is not null)
            _watcher.EnableRaisingEvents = false;
        return Task.CompletedTask;
    }

    public void Dispose() => _watcher?.Dispose();

    private void Reload(string path)
    {
        if (!path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            return;
        try
        {
            if (File.Exists(path))
                registry.LoadFile(path);
        }
        catch (IOException exception)
        {
            // Editors write in steps; the next event of the same save loads it.
            ServerLog.LinkFileNotReadableYet(logger, path, exception.Message);
        }
    }
}
