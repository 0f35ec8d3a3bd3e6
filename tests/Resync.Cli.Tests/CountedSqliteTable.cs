using Microsoft.Data.Sqlite;

namespace Resync.Cli.Tests;

/// <summary>A SQLite target table of contacts whose triggers count the writes per key (a key written twice is seen), and the state file's own check.</summary>
internal static class CountedSqliteTable
{
    /// <summary>Creates the table in <paramref name="path"/>; returns the link's target for it (transactional).</summary>
    public static string Create(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=false");
        connection.Open();
        using var create = connection.CreateCommand();
        create.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE contacts (id TEXT PRIMARY KEY, updated TEXT, n INTEGER);
            CREATE TABLE writes (id TEXT);
            CREATE TRIGGER contacts_inserted AFTER INSERT ON contacts BEGIN INSERT INTO writes VALUES (NEW.id); END;
            CREATE TRIGGER contacts_updated AFTER UPDATE ON contacts BEGIN INSERT INTO writes VALUES (NEW.id); END;
            """;
        create.ExecuteNonQuery();
        return $"{{ type: sqlite, path: \"{path}\", table: contacts, key: id, transactional: true }}";
    }

    /// <summary>How many times each key was written.</summary>
    public static Dictionary<string, int> Writes(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=false");
        connection.Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT id, COUNT(*) FROM writes GROUP BY id";
        using var reader = query.ExecuteReader();
        var writes = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
            writes[reader.GetString(0)] = reader.GetInt32(1);
        return writes;
    }

    /// <summary><c>PRAGMA integrity_check</c> of a SQLite file (a state file): "ok" when intact.</summary>
    public static string Integrity(string file)
    {
        using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=false");
        connection.Open();
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        return (string)check.ExecuteScalar()!;
    }

    /// <summary>The rows <paramref name="sql"/> reads from a SQLite file, a line each (what a failed check shows of the state file).</summary>
    public static string Rows(string file, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=false");
        connection.Open();
        using var query = connection.CreateCommand();
        query.CommandText = sql;
        using var reader = query.ExecuteReader();
        var lines = new System.Text.StringBuilder();
        while (reader.Read())
        {
            for (var i = 0; i < reader.FieldCount; i++)
                lines.Append(reader.IsDBNull(i) ? "null" : reader.GetValue(i)).Append(' ');
            lines.Append('\n');
        }
        return lines.ToString();
    }
}
