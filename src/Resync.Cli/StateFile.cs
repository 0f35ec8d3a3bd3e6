namespace Resync.Cli;

/// <summary>Where run state lives: --db, else $RESYNC_DB, else .resync/state.db under the current folder.</summary>
internal static class StateFile
{
    public const string EnvironmentVariable = "RESYNC_DB";

    public static string Resolve(string? option)
    {
        var path = option ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        return Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? Path.Combine(".resync", "state.db") : path);
    }
}
