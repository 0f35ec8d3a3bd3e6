using Microsoft.Data.Sqlite;

namespace Resync.Cli.Tests;

/// <summary>
/// A push link writing to a SQLite table (upsert by id) whose triggers log every write per key in <c>writes</c>, so that a
/// test can tell a record written once from one written twice or not at all.
/// </summary>
internal static class PushTarget
{
    public static string TargetFile(CliProcess cli) => Path.Combine(cli.Folder, "target.db");

    /// <summary>Creates the table (and its write log) and the link file <c>links/{linkId}.yaml</c>.</summary>
    public static void Create(CliProcess cli, string linkId, int batchSize, string extraSettings = "")
    {
        using (var connection = new SqliteConnection($"Data Source={TargetFile(cli)}"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = $"""
                PRAGMA journal_mode = WAL;
                CREATE TABLE {linkId} (id TEXT PRIMARY KEY, n INTEGER);
                CREATE TABLE IF NOT EXISTS writes (tbl TEXT, id TEXT);
                CREATE TRIGGER {linkId}_inserted AFTER INSERT ON {linkId} BEGIN INSERT INTO writes VALUES ('{linkId}', NEW.id); END;
                CREATE TRIGGER {linkId}_updated AFTER UPDATE ON {linkId} BEGIN INSERT INTO writes VALUES ('{linkId}', NEW.id); END;
                """;
            create.ExecuteNonQuery();
        }
        Directory.CreateDirectory(Path.Combine(cli.Folder, "links"));
        cli.Write(Path.Combine("links", $"{linkId}.yaml"), $$"""
            name: {{linkId}}
            tenant: acme
            source: { type: push, keyField: id }
            target: { type: sqlite, path: "{{TargetFile(cli)}}", table: {{linkId}}, key: id }
            trigger: { push: true }
            settings:
              batchSize: {{batchSize}}
            {{extraSettings}}
            """);
    }

    public static JsonArray Records(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject { ["id"] = $"{prefix}-{i}", ["n"] = i })];

    /// <summary>How many times each key was written.</summary>
    public static Dictionary<string, int> Writes(CliProcess cli, string linkId)
    {
        using var connection = Open(cli);
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT id, COUNT(*) FROM writes WHERE tbl = $tbl GROUP BY id";
        query.Parameters.AddWithValue("$tbl", linkId);
        using var reader = query.ExecuteReader();
        var writes = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
            writes[reader.GetString(0)] = reader.GetInt32(1);
        return writes;
    }

    public static long RowCount(CliProcess cli, string linkId)
    {
        using var connection = Open(cli);
        using var query = connection.CreateCommand();
        query.CommandText = $"SELECT COUNT(*) FROM {linkId}";
        return (long)query.ExecuteScalar()!;
    }

    /// <summary>Waits until the table holds <paramref name="rows"/> rows and the server has no run going and no open incomplete run.</summary>
    public static async Task WaitUntilSettledAsync(ServeProcess serve, string linkId, long rows)
    {
        // Safety net only: the resumes take seconds.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            var open = (await serve.GetAsync($"/api/v1/incomplete-runs?linkId={linkId}"))["items"]!.AsArray().Count;
            var running = (await serve.GetAsync($"/api/v1/runs?linkId={linkId}&status=Running"))["items"]!.AsArray().Count;
            if (open == 0 && running == 0 && RowCount(serve.Cli, linkId) >= rows)
                return;
            await Task.Delay(100, timeout.Token);
        }
    }

    private static SqliteConnection Open(CliProcess cli)
    {
        var connection = new SqliteConnection($"Data Source={TargetFile(cli)};Mode=ReadOnly");
        connection.Open();
        return connection;
    }
}
