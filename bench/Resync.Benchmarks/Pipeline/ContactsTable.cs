using Npgsql;

namespace Resync.Benchmarks.Pipeline;

/// <summary>The contacts tables of the pipeline benchmark, and the bulk upsert both sides send.</summary>
internal static class ContactsTable
{
    /// <summary>The columns in table order, with the type each text value is cast to (the PostgreSQL target's cast: no length).</summary>
    public static readonly (string Name, string CastType)[] Columns =
    [
        ("id", "bigint"), ("name", "text"), ("email", "text"), ("phone", "character varying"),
        ("address", "text"), ("amount", "numeric"), ("country", "text"),
    ];

    /// <summary>Creates (again) the table; <paramref name="phoneLimit"/> null: no constraint on the phone.</summary>
    public static async Task CreateAsync(NpgsqlDataSource dataSource, string table, int? phoneLimit)
    {
        var phone = phoneLimit is { } limit ? $"varchar({limit})" : "varchar";
        await using var command = dataSource.CreateCommand($"""
            DROP TABLE IF EXISTS {table};
            CREATE TABLE {table} (
              id bigint PRIMARY KEY,
              name text NOT NULL,
              email text NOT NULL,
              phone {phone},
              address text,
              amount numeric(12,2),
              country text
            );
            """);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task TruncateAsync(NpgsqlDataSource dataSource, string table)
    {
        await using var command = dataSource.CreateCommand($"TRUNCATE {table}; CHECKPOINT;");
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The statement <see cref="Resync.Connectors.Postgres.PostgresTableTarget"/> sends for an upsert by id without a
    /// version column: one array per column (the ids as bigint, the rest text), each cast to the column's type,
    /// <c>ON CONFLICT (id) DO UPDATE</c>.
    /// </summary>
    public static string UpsertSql(string table)
    {
        var list = string.Join(", ", Columns.Select(column => $"\"{column.Name}\""));
        var casts = string.Join(", ", Columns.Select((column, i) => $"CAST(u.v{i + 1} AS {column.CastType})"));
        var arrays = string.Join(", ", Columns.Select((_, i) => $"${i + 1}"));
        var aliases = string.Join(", ", Columns.Select((_, i) => $"v{i + 1}"));
        var updates = string.Join(", ", Columns.Skip(1).Select(column => $"\"{column.Name}\" = excluded.\"{column.Name}\""));
        return $"INSERT INTO {table} AS t ({list}) SELECT {casts} FROM unnest({arrays}) AS u({aliases}) ON CONFLICT (\"id\") DO UPDATE SET {updates}";
    }
}
