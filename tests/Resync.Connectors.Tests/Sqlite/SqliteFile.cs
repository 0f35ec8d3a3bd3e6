using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Resync.Connectors.Tests.Sqlite;

/// <summary>
/// What a test does to a SQLite file beside the connector under test, to set it up and read it back: each call on a connection
/// of its own, unpooled, so that no connection of the test's still holds the file when the connector writes it.
/// </summary>
internal static class SqliteFile
{
    public static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        return connection;
    }

    public static void Execute(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>The rows <paramref name="sql"/> answers, a value per column (null for SQL NULL).</summary>
    public static List<object?[]> Query(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>The first column of the rows <paramref name="sql"/> answers, as text.</summary>
    public static List<string> Texts(string path, string sql) =>
        [.. Query(path, sql).Select(row => Convert.ToString(row[0], CultureInfo.InvariantCulture)!)];
}
