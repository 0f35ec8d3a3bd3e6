using Resync.Server;

namespace Resync.Cli;

/// <summary>Where state lives: --state (or --db), else $RESYNC_DB, else .resync/state.db under the current folder.</summary>
internal static class StateFile
{
    public const string EnvironmentVariable = "RESYNC_DB";

    /// <summary>The state setting: a file path made absolute, or a database server's connection string as given.</summary>
    public static string Resolve(string? option)
    {
        var state = option ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(state))
            return Path.GetFullPath(Path.Combine(".resync", "state.db"));
        return StateStores.IsFile(state) ? Path.GetFullPath(state) : Checked(state);
    }

    /// <summary>A database server's connection string, checked before anything connects: a bad one is a usage error naming what is wrong.</summary>
    public static string Checked(string state)
    {
        try
        {
            StateStores.Describe(state);
            return state;
        }
        catch (ArgumentException exception)
        {
            throw new CliException(ExitCodes.Usage, exception.Message,
                "Give --state a SQLite file path, or postgres://user:password@host:5432/database (see docs/cluster.md).");
        }
    }

    /// <summary>The folder of the state file, where local files go beside it (.resync when state is in a database server).</summary>
    public static string Folder(string? option) =>
        Resolve(option) is var state && StateStores.IsFile(state) ? Path.GetDirectoryName(state)! : Path.GetFullPath(".resync");
}
