using System.Security.Cryptography;
using System.Text;
using Resync.Connectors.Sql;

namespace Resync.Connectors.Postgres;

/// <summary>
/// The SQL a PostgreSQL table target sends for one set of columns: a bulk statement over <c>unnest</c> of one array per
/// column (text, or the column's own type: <see cref="PostgresColumnArrays"/>), and a server-side fallback function for a
/// batch the server still rejects, which writes each row as if alone (in its own subtransaction, or in a chunk of rows found
/// clean) and returns the failed ones, its arrays text. Values are cast to each column's type without its length, so an
/// over-long value is an error, never cut.
/// </summary>
internal sealed class PostgresStatements
{
    private const string Ordinal = "\"_resync_n\"";

    // Rows per set-based statement of the fallback function: at 1% refused, three chunks of 32 in four hold no refused row;
    // 8, 16 and 32 measured alike (pgbench, 1,000-row batches with 1% breaking a CHECK).
    private const int ChunkRows = 32;

    public PostgresStatements(SqlTableName table, PostgresColumn[] columns, SqlWriteMode mode, string? key, string? versionColumn)
    {
        Columns = columns;
        var name = table.Quoted;
        var quoted = columns.Select(column => SqlTableName.Quote(column.Name)).ToArray();
        var list = string.Join(", ", quoted);
        // Untyped: each array is sent in the type PostgresColumnArrays chose (text, or the column's own), and cast to the column's type.
        var arrays = string.Join(", ", columns.Select((_, i) => $"${i + 1}"));
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

        // The fallback function. Insert and upsert: rows in chunks, each one set-based statement in its own subtransaction; a
        // chunk that fails is bisected, down to the row that fails alone, whose error is returned. Each row is thus written in
        // order, after the rows before it, with the outcome it has when written alone; at 1% refused most chunks hold no
        // refused row, so this runs close to the bulk statement's rate, where one statement per row costs about twice it.
        // Update, and upsert with a version column, must report skipped rows: row by row.
        string Cell(int i, string row = "_resync_i") => $"CAST(_resync_a{i + 1}[{row}] AS {columns[i].CastType})";
        var keyIndex = keyColumn is null ? -1 : Array.IndexOf(columns, keyColumn);
        var versionIndex = versionColumn is null ? -1 : Array.FindIndex(columns, column => column.Name == versionColumn);
        var conflict = mode == SqlWriteMode.Upsert
            ? $" ON CONFLICT ({k}) DO UPDATE SET {string.Join(", ", updated.Select(c => $"{c} = excluded.{c}"))}" + (v is null ? "" : $" WHERE t.{v} IS NULL OR t.{v} <= excluded.{v}")
            : "";
        string Row(string row) => mode switch
        {
            SqlWriteMode.Update =>
                $"UPDATE {name} AS t SET {string.Join(", ", columns.Select((column, i) => (column, i)).Where(p => p.column.Name != key || updated[0] == k).Select(p => $"{quoted[p.i]} = {Cell(p.i, row)}"))} " +
                $"WHERE t.{k} = {Cell(keyIndex, row)}{(v is null ? "" : $" AND (t.{v} IS NULL OR t.{v} <= {Cell(versionIndex, row)})")}",
            _ => $"INSERT INTO {name} AS t ({list}) VALUES ({string.Join(", ", columns.Select((_, i) => Cell(i, row)))}){conflict}",
        };
        const string Failed = """
                      GET STACKED DIAGNOSTICS _resync_state = RETURNED_SQLSTATE, _resync_message = MESSAGE_TEXT,
                        _resync_column = COLUMN_NAME, _resync_constraint = CONSTRAINT_NAME;
            """;
        var parameters = string.Join(", ", columns.Select((_, i) => $"_resync_a{i + 1} text[]"));
        const string Returns = "RETURNS TABLE (_resync_n int, _resync_state text, _resync_message text, _resync_column text, _resync_constraint text, _resync_found boolean)";
        string body;
        if (DetectsSkipped)
        {
            var found = mode == SqlWriteMode.Update ? $"EXISTS (SELECT 1 FROM {name} AS e WHERE e.{k} = {Cell(keyIndex)})" : "true";
            body = $"""
                ({parameters}) {Returns}
                LANGUAGE plpgsql AS $resync$
                #variable_conflict use_column
                DECLARE
                  _resync_i int;
                  _resync_rows bigint;
                BEGIN
                  FOR _resync_i IN 1 .. coalesce(array_length(_resync_a1, 1), 0) LOOP
                    BEGIN
                      {Row("_resync_i")};
                      GET DIAGNOSTICS _resync_rows = ROW_COUNT;
                      IF _resync_rows = 0 THEN
                        _resync_n := _resync_i; _resync_state := NULL; _resync_message := NULL; _resync_column := NULL; _resync_constraint := NULL;
                        _resync_found := {found};
                        RETURN NEXT;
                      END IF;
                    EXCEPTION WHEN OTHERS THEN
                {Failed}
                      _resync_n := _resync_i; _resync_found := NULL;
                      RETURN NEXT;
                    END;
                  END LOOP;
                END
                $resync$
                """;
        }
        else
        {
            // Generic plans: a custom plan per chunk (PostgreSQL's default for the first executions of a cached plan with
            // parameters) costs more than the chunk's rows. The arrays are read by index, never sliced (a slice copies the array).
            body = $"""
                ({parameters}) {Returns}
                LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $resync$
                #variable_conflict use_column
                DECLARE
                  _resync_total int := coalesce(array_length(_resync_a1, 1), 0);
                  _resync_from int := 1;
                  _resync_to int := least({ChunkRows}, coalesce(array_length(_resync_a1, 1), 0));
                  _resync_failing int := 0; -- the last row of a range known to hold a row that fails
                BEGIN
                  WHILE _resync_from <= _resync_total LOOP
                    BEGIN
                      INSERT INTO {name} AS t ({list})
                        SELECT {string.Join(", ", columns.Select((_, i) => Cell(i, "_resync_g._resync_j")))}
                        FROM generate_series(_resync_from, _resync_to) AS _resync_g(_resync_j){conflict};
                      _resync_from := _resync_to + 1;
                    EXCEPTION WHEN OTHERS THEN
                      IF _resync_from < _resync_to THEN
                        _resync_failing := _resync_to;
                      ELSE
                {Failed}
                        _resync_n := _resync_from; _resync_found := NULL;
                        RETURN NEXT;
                        _resync_from := _resync_from + 1;
                      END IF;
                    END;
                    -- Next: the first half of what is left of a failing range, or a new chunk.
                    _resync_to := CASE WHEN _resync_from <= _resync_failing
                      THEN greatest(_resync_from, _resync_from + (_resync_failing - _resync_from + 1) / 2 - 1)
                      ELSE least(_resync_from + {ChunkRows - 1}, _resync_total) END;
                  END LOOP;
                END
                $resync$
                """;
        }
        var function = "pg_temp.resync_rows_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..16];
        // Created only where missing: the target's sessions keep their temporary objects (PostgresTableTarget.KeepingSessions),
        // so each pooled connection compiles the function once and keeps it with its plans.
        CreateFunctionSql = $"""
            DO $resync_create$ BEGIN
              IF to_regprocedure('{function}({string.Join(",", columns.Select(_ => "text[]"))})') IS NULL THEN
                CREATE FUNCTION {function}{body};
              END IF;
            END $resync_create$
            """;
        CallFunctionSql = $"SELECT * FROM {function}({string.Join(", ", columns.Select((_, i) => $"${i + 1}::text[]"))})";
    }

    /// <summary>The columns, in the order of the statements' parameters.</summary>
    public PostgresColumn[] Columns { get; }

    /// <summary>Writes every row at once; when <see cref="DetectsSkipped"/>, returns (row number, row exists) of each row it did not write.</summary>
    public string BulkSql { get; }

    public bool DetectsSkipped { get; }

    /// <summary>Creates the fallback function in the session's temporary schema, unless already there.</summary>
    public string CreateFunctionSql { get; }

    /// <summary>Writes each row as if alone, in order; returns (row number, SQLSTATE, message, column, constraint, row exists) for each row failed or skipped.</summary>
    public string CallFunctionSql { get; }
}
