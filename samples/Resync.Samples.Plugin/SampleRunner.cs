using Resync.Connectors;
using Resync.Core.Engine;
using Resync.LinkFiles;
using Resync.Storage.Sqlite;

namespace Resync.Samples.Plugin;

/// <summary>Loads a link file that names the sample's components and runs it once, keeping run state in a SQLite file.</summary>
public static class SampleRunner
{
    public static async Task<RunResult> RunAsync(string linkFile, string stateFile, TextWriter output, CancellationToken cancellationToken = default)
    {
        // The built-in steps and connectors, plus your own: link files can name any of them.
        var catalog = BuiltInConnectors.CreateCatalog().AddSampleComponents(output);
        var loaded = new LinkFileLoader(catalog).Load(linkFile);
        if (!loaded.Succeeded)
            throw new InvalidOperationException("The link file has problems:\n" + string.Join('\n', loaded.Problems));

        await using var store = new SqliteRunStore(stateFile);
        await store.InitializeAsync(cancellationToken);
        await using var target = loaded.Link!.Target;
        return await new RunEngine(store, TimeProvider.System).RunAsync(loaded.Link, new RunRequest(), cancellationToken: cancellationToken);
    }
}
