using Microsoft.Data.Sqlite;

namespace Resync.Storage.Sqlite;

/// <summary>Binds parameters of a command that is reused across writes: added on first use, re-bound after.</summary>
internal static class SqliteParameters
{
    public static SqliteCommand Bind(this SqliteCommand command, string name, object? value)
    {
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index < 0)
            parameters.AddWithValue(name, value ?? DBNull.Value);
        else
            parameters[index].Value = value ?? DBNull.Value;
        return command;
    }
}
