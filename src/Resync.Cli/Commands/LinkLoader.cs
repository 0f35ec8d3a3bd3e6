using System.Reflection;
using Resync.Connectors;
using Resync.Core.Links;
using Resync.Core.Storage;
using Resync.LinkFiles;
using Resync.Server.Links;
using Resync.Storage.Sqlite;

namespace Resync.Cli.Commands;

/// <summary>Builds links for commands: from a link file, from the built-in demo, or from the definition kept with a run's link.</summary>
internal static class LinkLoader
{
    public const string DemoPath = "demo.link.yaml (built in)";

    public static (Link Link, LinkDefinition Definition) FromFile(string file)
    {
        var full = Path.GetFullPath(file);
        var loaded = new LinkFileLoader(BuiltInConnectors.CreateCatalog()).Load(file);
        var text = loaded.Succeeded ? File.ReadAllText(full) : "";
        return (Checked(loaded).With(version: LinkVersions.Of(text, text)), new LinkDefinition(text, file, Path.GetDirectoryName(full) ?? "."));
    }

    public static async Task<(Link Link, LinkDefinition Definition)> DemoAsync(string stateFolder, CancellationToken cancellationToken)
    {
        await using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("demo.link.yaml")!;
        using var reader = new StreamReader(stream);
        var yaml = await reader.ReadToEndAsync(cancellationToken);
        Directory.CreateDirectory(stateFolder);
        var definition = new LinkDefinition(yaml, DemoPath, stateFolder);
        return (FromDefinition(definition), definition);
    }

    /// <summary>
    /// The link to recover a run with. By default its current definition: the link file it was last run from, read again when
    /// it still exists (and kept as the link's definition), else the definition kept then; with <paramref name="original"/>, the
    /// definition the run itself ran with. Says which it is and what changed since the run.
    /// </summary>
    public static async Task<(Link Link, DefinitionChoice Choice)> ForRecoveryAsync(IStateStore store, RunView run, bool original, CancellationToken cancellationToken)
    {
        var view = await store.GetLinkAsync(run.LinkId, cancellationToken);
        if (view?.Definition is not { } kept)
            throw new CliException(ExitCodes.Usage, $"The definition of link '{run.LinkId}' is not in the state file.", "Run the link once with `resync run <link-file>` so that its definition is kept.");
        var (current, from) = await CurrentAsync(store, run.LinkId, kept, reload: !original, cancellationToken);
        var currentVersion = LinkVersions.Of(current.Text, current.Text);
        var before = run.LinkVersion is { } hash ? await store.GetLinkVersionAsync(run.LinkId, hash, cancellationToken) : null;
        var changes = before is null || before.Hash == currentVersion.Hash ? [] : LinkVersions.Changes(before.Document, current.Text);
        if (!original)
            return (FromDefinition(current), new DefinitionChoice(DefinitionChoice.Current, currentVersion.Hash, run.Id, run.LinkVersion, currentVersion.Hash, changes, from));
        if (before is null)
            throw new CliException(ExitCodes.Usage, $"Run {run.Id} ran before link versions were kept: it has no definition of its own to use.",
                "Leave out --definition original to use the link's current definition.");
        // The current file is only compared here, never built: a file broken since must not stop a retry with the run's own definition.
        var link = FromDefinition(kept with { Text = before.Document });
        return (link, new DefinitionChoice(DefinitionChoice.Original, before.Hash, run.Id, before.Hash, currentVersion.Hash, changes, from));
    }

    /// <summary>The link's definition now: its file read again when it still exists (then kept in the state file), else the kept one.</summary>
    private static async Task<(LinkDefinition Definition, string? From)> CurrentAsync(IStateStore store, string linkId, LinkDefinition kept, bool reload,
        CancellationToken cancellationToken)
    {
        if (kept.Path == DemoPath)
            return (kept, null);
        var file = Path.Combine(kept.BaseDirectory, Path.GetFileName(kept.Path));
        if (!File.Exists(file))
            return (kept, $"the definition kept when it last ran ({kept.Path} is gone)");
        var text = await File.ReadAllTextAsync(file, cancellationToken);
        var fresh = new LinkDefinition(text, kept.Path, kept.BaseDirectory);
        if (!reload)
            return (fresh, kept.Path);
        var loaded = new LinkFileLoader(BuiltInConnectors.CreateCatalog()).Parse(text, file, kept.BaseDirectory);
        if (!loaded.Succeeded)
        {
            throw new CliException(ExitCodes.Usage, $"The link file {kept.Path} is not valid ({loaded.Problems.Count} problem{(loaded.Problems.Count == 1 ? "" : "s")}):",
                $"Fix it, or retry with the definition the run ran with: --definition {DefinitionChoice.Original}", [.. loaded.Problems.Select(p => p.ToString())]);
        }
        if (loaded.Link!.Id != linkId)
        {
            throw new CliException(ExitCodes.Usage, $"The link file {kept.Path} now defines link '{loaded.Link.Id}', not '{linkId}'.",
                $"Put its name back, or retry with the definition the run ran with: --definition {DefinitionChoice.Original}");
        }
        await store.SaveLinkDefinitionAsync(linkId, loaded.Link.Tenant, fresh, cancellationToken);
        return (fresh, kept.Path);
    }

    private static Link FromDefinition(LinkDefinition definition)
    {
        var link = Checked(new LinkFileLoader(BuiltInConnectors.CreateCatalog()).Parse(definition.Text, definition.Path, definition.BaseDirectory));
        return link.With(version: LinkVersions.Of(definition.Text, definition.Text));
    }

    private static Link Checked(LinkFileResult loaded)
    {
        if (loaded.Succeeded)
            return loaded.Link!;
        throw new CliException(ExitCodes.Usage, $"The link file is not valid ({loaded.Problems.Count} problem{(loaded.Problems.Count == 1 ? "" : "s")}):",
            problems: [.. loaded.Problems.Select(p => p.ToString())]);
    }
}
