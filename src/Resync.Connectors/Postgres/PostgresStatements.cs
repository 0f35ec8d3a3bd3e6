using System.Security.Cryptography;
using System.Text;
using Resync.Connectors.Sql;

namespace Resync.Connectors.Postgres;

/// <summary>
/// The SQL a PostgreSQL table target sends for one set of columns: a bulk statement over <c>unnest</c> of one text
/// array per column, and a server-side per-row function (each row in its own BEGIN … EXCEPTION block) for a batch
/// the server still rejects. Values travel as text and are cast to each column's type without its length, so an
/// over-long value is an error, never cut.
/// </summary>
internal sealed class PostgresStatements
{
    private const string Ordinal = "\"_resync_n\"";

    public PostgresStatements(SqlTableName table, PostgresColumn[] columns, SqlWriteMode mode, string? key, string? versionColumn)
    {
        Columns = columns;
        var name = table.Quoted;
        var quoted = columns.Select(column => SqlTableName.Quote(column.Name)).ToArray();
        var list = string.Join(", ", quoted);
        var arrays = string.Join(", ", columns.Select((_, i) => $"${i + 1}::text[]"));
        var aliases = string.Join(", ", columns.Select((_, i) => $"v{i + 1}"));
        var casts = string.Join(", ", columns.Select((column, i) => $"CAST(u.v{i + 1} AS {column.CastType})"));
        var keyColumn = key is null ? null : columns.FirstOrDefault(column => column.Name == key);
        var k = key is null ? "" : SqlTableName.Quote(key);
        var updated = columns.Where(column => column.Name != key).Select(column => SqlTableName.Quote(column.Name)).ToArray();
        if (updated.Length == 0 && key is not null)
            updated = [k];
        var v = versionColumn is null ? null : SqlTableName.Quote(versionColumn);

        // Which rows the bulk statement skipped: only asked when something can be skipped (stale, or not found).
        DetectsSkipped = mode == SqlWriteMode.Update || (mode == SqlWriteMode.Upsert && versionColumn is not null);
        var source = $"SELECT u.v{columns.Length + 1} AS {Ordinal}, {string.Join(", ", columns.Select((column, i) => $"CAST(u.v{i + 1} AS {column.CastType}) AS {quoted[i]}"))} " +
                     $"FROM unnest({arrays}) WITH ORDINALITY AS u({aliases}, v{columns.Length + 1})";
        var skipped = $"SELECT s.{Ordinal}::int, {{0}} FROM src s WHERE NOT EXISTS (SELECT 1 FROM written w WHERE w.{k} = s.{k})";
        BulkSql = mode switch
        {
            SqlWriteMode.Insert => $"INSERT INTO {name} ({list}) SELECT {casts} FROM unnest({arrays}) AS u({aliases})",
            SqlWriteMode.Upsert when v is null =>
                $"INSERT INTO {name} AS t ({list}) SELECT {casts} FROM unnest({arrays}) AS u({aliases}) " +
                $"ON CONFLICT ({k}) DO UPDATE SET {string.Join(", ", updated.Select(c => $"{c} = excluded.{c}"))}",
            SqlWriteMode.Upsert =>
                $"WITH src AS ({source}), written AS (INSERT INTO {name} AS t ({list}) SELECT {list} FROM src " +
                $"ON CONFLICT ({k}) DO UPDATE SET {string.Join(", ", updated.Select(c => $"{c} = excluded.{c}"))} " +
                $"WHERE t.{v} IS NULL OR t.{v} <= excluded.{v} RETURNING t.{k}) " + string.Format(null, skipped, "true"),
            _ =>
                $"WITH src AS ({source}), written AS (UPDATE {name} AS t SET {string.Join(", ", updated.Select(c => $"{c} = s.{c}"))} FROM src s " +
                $"WHERE t.{k} = s.{k}{(v is null ? "" : $" AND (t.{v} IS NULL OR t.{v} <= s.{v})")} RETURNING t.{k}) " +
                string.Format(null, skipped, $"EXISTS (SELECT 1 FROM {name} AS e WHERE e.{k} = s.{k})"),
        };

        // The per-row function: the same write for row i, its failure caught in a subtransaction.
        string Cell(int i) => $"CAST(_resync_a{i + 1}[_resync_i] AS {columns[i].CastType})";
        var keyIndex = keyColumn is null ? -1 : Array.IndexOf(columns, keyColumn);
        var versionIndex = versionColumn is null ? -1 : Array.FindIndex(columns, column => column.Name == versionColumn);
        var row = mode switch
        {
            SqlWriteMode.Insert => $"INSERT INTO {name} ({list}) VALUES ({string.Join(", ", columns.Select((_, i) => Cell(i)))})",
            SqlWriteMode.Upsert =>
                $"INSERT INTO {name} AS t ({list}) VALUES ({string.Join(", ", columns.Select((_, i) => Cell(i)))}) " +
                $"ON CONFLICT ({k}) DO UPDATE SET {string.Join(", ", updated.Select(c => $"{c} = excluded.{c}"))}" +
                (v is null ? "" : $" WHERE t.{v} IS NULL OR t.{v} <= excluded.{v}"),
            _ =>
                $"UPDATE {name} AS t SET {string.Join(", ", columns.Select((column, i) => (column, i)).Where(p => p.column.Name != key || updated[0] == k).Select(p => $"{quoted[p.i]} = {Cell(p.i)}"))} " +
                $"WHERE t.{k} = {Cell(keyIndex)}{(v is null ? "" : $" AND (t.{v} IS NULL OR t.{v} <= {Cell(versionIndex)})")}",
        };
        var found = mode == SqlWriteMode.Update ? $"EXISTS (SELECT 1 FROM {name} AS e WHERE e.{k} = {Cell(keyIndex)})" : "true";
        var body = $"""
            (
              {string.Join(", ", columns.Select((_, i) => $"_resync_a{i + 1} text[]"))}
            ) RETURNS TABLE (_resync_n int, _resync_state text, _resync_message text, _resync_column text, _resync_constraint text, _resync_found boolean)
            LANGUAGE plpgsql AS $resync$
            #variable_conflict use_column
            DECLARE
              _resync_i int;
              _resync_rows bigint;
            BEGIN
              FOR _resync_i IN 1 .. coalesce(array_length(_resync_a1, 1), 0) LOOP
                BEGIN
                  {row};
                  GET DIAGNOSTICS _resync_rows = ROW_COUNT;
                  IF _resync_rows = 0 THEN
                    _resync_n := _resync_i; _resync_state := NULL; _resync_message := NULL; _resync_column := NULL; _resync_constraint := NULL;
                    _resync_found := {found};
                    RETURN NEXT;
                  END IF;
                EXCEPTION WHEN OTHERS THEN
                  GET STACKED DIAGNOSTICS _resync_state = RETURNED_SQLSTATE, _resync_message = MESSAGE_TEXT,
                    _resync_column = COLUMN_NAME, _resync_constraint = CONSTRAINT_NAME;
                  _resync_n := _resync_i; _resync_found := NULL;
                  RETURN NEXT;
                END;
              END LOOP;
            END
            $resync$
            """;
        var function = "pg_temp.resync_rows_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..16];
        CreateFunctionSql = $"CREATE OR REPLACE FUNCTION {function}{body}";
        CallFunctionSql = $"SELECT * FROM {function}({string.Join(", ", columns.Select((_, i) => $"${i + 1}::text[]"))})";
    }

    /// <summary>The columns, in the order of the statements' parameters.</summary>
    public PostgresColumn[] Columns { get; }

    /// <summary>Writes every row at once; when <see cref="DetectsSkipped"/>, returns (row number, row exists) of each row it did not write.</summary>
    public string BulkSql { get; }

    public bool DetectsSkipped { get; }

    /// <summary>Creates the per-row function in the session's temporary schema.</summary>
    public string CreateFunctionSql { get; }

    /// <summary>Writes row by row; returns (row number, SQLSTATE, message, column, constraint, row exists) for each row failed or skipped.</summary>
    public string CallFunctionSql { get; }
}
