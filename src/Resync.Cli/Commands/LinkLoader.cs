using System.Reflection;
using Resync.Connectors;
using Resync.Core.Links;
using Resync.Core.Storage;
using Resync.LinkFiles;

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
        return (Checked(loaded), new LinkDefinition(text, file, Path.GetDirectoryName(full) ?? "."));
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

    /// <summary>The link a run belongs to, rebuilt from the link file text kept when it last ran.</summary>
    public static async Task<Link> ForLinkAsync(IRecoveryStore store, string linkId, CancellationToken cancellationToken)
    {
        var view = await store.GetLinkAsync(linkId, cancellationToken);
        if (view?.Definition is not { } definition)
            throw new CliException(ExitCodes.Usage, $"The definition of link '{linkId}' is not in the state file.", "Run the link once with `resync run <link-file>` so that its definition is kept.");
        return FromDefinition(definition);
    }

    private static Link FromDefinition(LinkDefinition definition) =>
        Checked(new LinkFileLoader(BuiltInConnectors.CreateCatalog()).Parse(definition.Text, definition.Path, definition.BaseDirectory));

    private static Link Checked(LinkFileResult loaded)
    {
        if (loaded.Succeeded)
            return loaded.Link!;
        throw new CliException(ExitCodes.Usage, $"The link file is not valid ({loaded.Problems.Count} problem{(loaded.Problems.Count == 1 ? "" : "s")}):",
            problems: [.. loaded.Problems.Select(p => p.ToString())]);
    }
}
