using Resync.Connectors.Sql;
using Resync.Connectors.Sqlite;

namespace Resync.Connectors.Demo;

/// <summary>The demo's target: a SQLite file with a <c>contacts</c> table whose constraints the demo's bad records break.</summary>
public static class DemoTarget
{
    public const string Table = "contacts";

    /// <summary>An upsert target on the file; the file and table are created at the first write when missing.</summary>
    public static SqliteTableTarget Open(string path, Action<string>? beforeOpen = null)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
        return new SqliteTableTarget(path, Table, SqlWriteMode.Upsert, "id", createTable: CreateTable) { BeforeOpen = beforeOpen };
    }

    private const string CreateTable = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS contacts (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT NOT NULL,
            phone TEXT CONSTRAINT phone_max_40 CHECK (length(phone) <= 40),
            company TEXT,
            notes TEXT,
            status TEXT,
            updated_at TEXT NOT NULL
        );
        """;
}
