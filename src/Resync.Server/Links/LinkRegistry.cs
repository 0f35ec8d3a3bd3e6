using System.Collections.Concurrent;
using Microsoft.AspNetCore.DataProtection;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Scheduling;
using Resync.Core.Sdk;
using Resync.Core.Storage;
using Resync.LinkFiles;

namespace Resync.Server.Links;

/// <summary>
/// The links the server runs: those of the links folder (reloaded when a file changes) and those created through
/// the API (stored encrypted with Data Protection in the state file). Link ids are unique across both.
/// </summary>
public sealed class LinkRegistry(ComponentCatalog catalog, IServerStore store, IDataProtectionProvider protection, TimeProvider clock,
    ServerOptions options, ServerFiles files, ILogger<LinkRegistry> logger) : ILinkSet
{
    private readonly ConcurrentDictionary<string, LinkEntry> _links = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ReplayOverride> _replay = new(StringComparer.Ordinal);
    private readonly IDataProtector _protector = protection.CreateProtector("Resync.LinkDocuments.v1");

    // A version's document is kept encrypted like the link itself (credentials inside), under a purpose per origin: a version
    // recorded from an API document can then never be rebuilt with the trust of an operator's file, nor the other way round.
    private IDataProtector VersionProtector(string origin) => protection.CreateProtector("Resync.LinkVersions.v1", origin);

    /// <summary>Raised whenever the set of links changes (the scheduler looks again).</summary>
    public event Action? LinksChanged;

    /// <inheritdoc/>
    public IReadOnlyCollection<Link> Links => [.. All.Select(entry => entry.Link)];

    public IReadOnlyCollection<LinkEntry> All => [.. _links.Values.OrderBy(entry => entry.Id, StringComparer.Ordinal)];

    public LinkEntry? Find(string id) => _links.TryGetValue(id, out var entry) ? entry : null;

    /// <summary>Loads the stored API links and the folder's link files.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        foreach (var replay in await store.ListReplayOverridesAsync(cancellationToken))
            _replay[replay.LinkId] = replay;
        foreach (var stored in await store.ListLinkDocumentsAsync(cancellationToken))
        {
            string document;
            try
            {
                document = _protector.Unprotect(stored.ProtectedDocument);
            }
            catch (System.Security.Cryptography.CryptographicException exception)
            {
                ServerLog.StoredLinkNotDecrypted(logger, stored.LinkId, exception.Message);
                continue;
            }
            var result = ApiParse(document, stored.LinkId, stored.Tenant);
            if (result.Succeeded)
                _links[stored.LinkId] = Entry(result.Link!.Tenant == stored.Tenant ? result.Link : result.Link.With(tenant: stored.Tenant), document, "api", null);
            else
                ServerLog.StoredLinkNotLoaded(logger, stored.LinkId, SecretText.Mask(string.Join("; ", result.Problems)));
        }
        if (options.LinksFolder is { } folder && Directory.Exists(folder))
        {
            foreach (var file in LinkFiles(folder))
                LoadFile(file);
        }
        Signal();
    }

    /// <summary>Loads (or reloads) one link file of the folder; a file with problems is logged and leaves the previous version in place.</summary>
    public void LoadFile(string path)
    {
        var result = new LinkFileLoader(catalog, trust: LinkTrust.OperatorFile(files, options)).Load(path);
        if (!result.Succeeded)
        {
            ServerLog.LinkFileNotLoaded(logger, path, SecretText.Mask(string.Join("; ", result.Problems)));
            return;
        }
        var link = result.Link!;
        if (_links.TryGetValue(link.Id, out var existing) && existing.Origin == "api")
        {
            ServerLog.LinkFileShadowed(logger, path, link.Id);
            return;
        }
        _links[link.Id] = Entry(link, File.ReadAllText(path), "file", Path.GetFullPath(path));
        ServerLog.LinkFileLoaded(logger, link.Id, path);
        Signal();
    }

    /// <summary>Forgets the links of a deleted file.</summary>
    public void RemoveFile(string path)
    {
        var full = Path.GetFullPath(path);
        foreach (var entry in _links.Values.Where(entry => entry.File == full).ToList())
        {
            _links.TryRemove(entry.Id, out _);
            ServerLog.LinkFileRemoved(logger, entry.Id, path);
        }
        Signal();
    }

    /// <summary>
    /// Creates or replaces a link from a document sent through the API, with the same validation messages as the CLI.
    /// Returns the problems (nothing is stored when there is any) and whether the link is new.
    /// </summary>
    public async Task<(LinkEntry? Entry, IReadOnlyList<LinkFileProblem> Problems, bool Created)> SaveAsync(string id, string document, string? forcedTenant,
        CancellationToken cancellationToken)
    {
        var file = $"{id}.link.yaml";
        var result = ApiParse(document, id, forcedTenant ?? DocumentTenant(document));
        if (!result.Succeeded)
            return (null, result.Problems, false);
        var link = result.Link!;
        if (link.Id != id)
            return (null, [new LinkFileProblem(file, 1, 1, $"name: the document names link '{link.Id}' but was sent to '{id}'")], false);
        if (forcedTenant is not null && link.Tenant != forcedTenant)
        {
            if (link.Tenant != Tenants.Default)
                return (null, [new LinkFileProblem(file, 1, 1, $"tenant: '{link.Tenant}' is not your tenant; leave it out or give '{forcedTenant}'")], false);
            link = link.With(tenant: forcedTenant);
        }
        var created = !_links.ContainsKey(id);
        await store.SaveLinkDocumentAsync(new StoredLinkDocument(id, link.Tenant, _protector.Protect(document), clock.GetUtcNow()), cancellationToken);
        var entry = Entry(link, document, "api", null);
        _links[id] = entry;
        Signal();
        return (entry, [], created);
    }

    /// <summary>
    /// Sets (or, with null, removes) the link's replay settings override: stored, and applied to the link at once,
    /// whether it comes from a file or from the API; it survives reloads of the link until removed.
    /// </summary>
    public async Task<LinkEntry> SetReplayOverrideAsync(LinkEntry entry, bool? automatedReplay, int? maxAttempts, CancellationToken cancellationToken)
    {
        if (automatedReplay is { } enabled && maxAttempts is { } attempts)
        {
            var replay = new ReplayOverride(entry.Id, entry.Tenant, enabled, attempts, clock.GetUtcNow());
            await store.SaveReplayOverrideAsync(replay, cancellationToken);
            _replay[entry.Id] = replay;
        }
        else
        {
            await store.DeleteReplayOverrideAsync(entry.Id, cancellationToken);
            _replay.TryRemove(entry.Id, out _);
        }
        var current = Find(entry.Id) ?? entry;
        var updated = Entry(current.Link, current.Document, current.Origin, current.File, current.DocumentSettings);
        _links[entry.Id] = updated;
        Signal();
        return updated;
    }

    /// <summary>The entry of a link as built from its document, with the replay override (if any) applied to its settings.</summary>
    private LinkEntry Entry(Link link, string document, string origin, string? file, LinkSettings? documentSettings = null)
    {
        documentSettings ??= link.Settings;
        var settings = _replay.TryGetValue(link.Id, out var replay)
            ? documentSettings with { AutomatedReplay = replay.AutomatedReplay, ReplayMaxAttempts = replay.MaxAttempts }
            : documentSettings;
        link = link.With(settings: settings, version: LinkVersions.Of(document, VersionProtector(origin).Protect(document)));
        return new LinkEntry(link, document, origin, file) { DocumentSettings = documentSettings };
    }

    /// <summary>
    /// The link to recover <paramref name="run"/> with: the link's current definition, or with <paramref name="original"/> the one the run
    /// ran with (rebuilt with the trust of the link's origin); and what changed between the two. Returns a problem in words
    /// when the run's own definition cannot be used.
    /// </summary>
    public async Task<(Link? Link, DefinitionChoice? Choice, string? Problem)> ForRecoveryAsync(LinkEntry entry, RunView run, bool original, IRunQueries queries,
        CancellationToken cancellationToken)
    {
        var before = run.LinkVersion is { } hash ? await queries.GetLinkVersionAsync(run.LinkId, hash, cancellationToken) : null;
        string? beforeText = null;
        if (before is not null)
        {
            try
            {
                beforeText = VersionProtector(entry.Origin).Unprotect(before.Document);
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // Recorded by the CLI, under the link's other origin, or with a key ring since replaced.
            }
        }
        var current = entry.Link.Version!.Hash;
        var changes = beforeText is null || before!.Hash == current ? [] : LinkVersions.Changes(beforeText, entry.Document);
        var from = entry.File is { } path ? Path.GetFileName(path) : "its API document";
        if (!original)
            return (entry.Link, new DefinitionChoice(DefinitionChoice.Current, current, run.Id, run.LinkVersion, current, changes, from), null);
        if (beforeText is null)
        {
            return (null, null, run.LinkVersion is null
                ? $"Run {run.Id} ran before link versions were kept: it has no definition of its own to use. Leave out definition=original to use the link's current definition."
                : $"The definition run {run.Id} ran with (version {run.LinkVersion}) cannot be read here (it was recorded by the CLI, for another origin of link '{run.LinkId}', or under another key ring). Leave out definition=original to use the link's current definition.");
        }
        var result = entry.Origin == "api"
            ? ApiParse(beforeText, entry.Id, entry.Tenant)
            : new LinkFileLoader(catalog, trust: LinkTrust.OperatorFile(files, options)).Parse(beforeText, entry.File!, Path.GetDirectoryName(entry.File!) ?? ".");
        if (!result.Succeeded || result.Link!.Id != entry.Id)
            return (null, null, $"The definition run {run.Id} ran with (version {before!.Hash}) no longer loads: {SecretText.Mask(string.Join("; ", result.Problems))}");
        var link = result.Link.Tenant == entry.Tenant ? result.Link : result.Link.With(tenant: entry.Tenant);
        return (Entry(link, beforeText, entry.Origin, entry.File).Link, new DefinitionChoice(DefinitionChoice.Original, before!.Hash, run.Id, before.Hash, current, changes, from), null);
    }

    /// <summary>
    /// Builds a document from the API with its tenant's trust (files in the tenant's data folder, the types tenants may use).
    /// Documents from the API may not read the server's environment (<c>${env:...}</c>): a tenant could otherwise send
    /// the server's own secrets to an address of its choosing.
    /// </summary>
    private LinkFileResult ApiParse(string document, string id, string tenant)
    {
        var trust = LinkTrust.Api(files, options, tenant);
        return new LinkFileLoader(catalog, _ => null, trust).Parse(document, $"{id}.link.yaml", trust.BaseDirectory(files.DataRoot));
    }

    /// <summary>The tenant a document names (its files resolve in that tenant's folder), before it is read in full.</summary>
    private static string DocumentTenant(string document)
    {
        try
        {
            var stream = new YamlDotNet.RepresentationModel.YamlStream();
            stream.Load(new StringReader(document));
            if (stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlDotNet.RepresentationModel.YamlMappingNode root
                && root.Children.FirstOrDefault(pair => pair.Key is YamlDotNet.RepresentationModel.YamlScalarNode { Value: "tenant" }).Value
                    is YamlDotNet.RepresentationModel.YamlScalarNode { Value: { Length: > 0 } tenant })
                return tenant;
        }
        catch (YamlDotNet.Core.YamlException)
        {
            // The loader reports it, with its line.
        }
        return Tenants.Default;
    }

    private static IEnumerable<string> LinkFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*.yaml").Concat(Directory.EnumerateFiles(folder, "*.yml")).Order(StringComparer.Ordinal);

    private void Signal() => LinksChanged?.Invoke();
}
