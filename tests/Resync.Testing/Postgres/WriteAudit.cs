using Npgsql;

namespace Resync.Testing.Postgres;

/// <summary>
/// A PostgreSQL target table with an audit of its writes: a trigger counts every committed write of a row per key in
/// <c>writes</c> (a rolled-back transaction counts nothing), so a test sees a key written twice by recovery.
/// </summary>
public static class WriteAudit
{
    /// <summary>Creates <c>contacts (id, name, email)</c> and its audit <c>writes (id, count)</c>.</summary>
    public static string ContactsSql { get; } = Sql("name text NOT NULL, email text");

    /// <summary>Creates <c>contacts (id text PRIMARY KEY, <paramref name="columns"/>)</c> and its audit <c>writes (id, count)</c>.</summary>
    public static string Sql(string columns) => $$"""
        CREATE TABLE contacts (id text PRIMARY KEY, {{columns}});
        CREATE TABLE writes (id text PRIMARY KEY, count integer NOT NULL);
        CREATE FUNCTION count_write() RETURNS trigger AS $$
        BEGIN
            INSERT INTO writes VALUES (NEW.id, 1) ON CONFLICT (id) DO UPDATE SET count = writes.count + 1;
            RETURN NEW;
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER contacts_written AFTER INSERT OR UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION count_write();

        """;

    /// <summary>Creates the audited <c>contacts</c> table (<see cref="Sql"/>) where <paramref name="connectionString"/> points (its search path).</summary>
    public static async Task CreateAsync(string connectionString, string columns)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand(Sql(columns), connection);
        await create.ExecuteNonQueryAsync();
    }

    /// <summary>How many times each key was written, from the audit <see cref="CreateAsync"/> made.</summary>
    public static async Task<Dictionary<string, int>> CountAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT id, count FROM writes", connection);
        await using var reader = await query.ExecuteReaderAsync();
        var writes = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
            writes[reader.GetString(0)] = reader.GetInt32(1);
        return writes;
    }
}
