using System.Security.Cryptography;
using System.Text;
using Resync.Connectors.Sql;

namespace Resync.Connectors.Postgres;

/// <summary>
/// The SQL a PostgreSQL table target sends for one set of columns: a bulk statement over <c>unnest</c> of one text
/// array per column, and a server-side fallback function for a batch the server still rejects, which writes each row as
/// if alone (in its own subtransaction, or in a chunk of rows found clean) and returns the failed ones. Values travel as text and are cast to each column's type without its length, so an
/// over-long value is an error, never cut.
/// </summary>
internal sealed class PostgresStatements
{
    private const string Ordinal = "\"_resync_n\"";

    // Rows per set-based statement of the fallback function: at 1% refused, most chunks of 32 hold no refused row, and a
    // chunk that does costs about twice its rows; measured fastest of 16, 32, 64 and 1000 (and than growing and shrinking).
    private const int ChunkRows = 32;

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

        // The fallback function. Insert and upsert: rows in chunks, each one set-based statement in its own subtransaction;
        // when a chunk fails, a counter that survives the rollback (a temporary sequence bumped once per row read) says which
        // row it failed at: the rows before it are written again as a chunk, that row alone (it may fail alone: its error is
        // returned), and the chunk goes on after it. An error the counter cannot place (a foreign key or an AFTER trigger,
        // checked at the end of the statement) halves the chunk until it can. Each row is thus written in order, after the
        // rows before it, exactly as row by row, but at about the bulk statement's rate (one row by itself costs about a
        // whole chunk's statement). Update, and upsert with a version column, must report skipped rows: row by row.
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
            // Generic plans: a custom plan per chunk statement (PostgreSQL's default for the first executions of a cached
            // plan with parameters) cost more than the chunk's rows.
            body = $"""
                ({parameters}) {Returns}
                LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $resync$
                #variable_conflict use_column
                DECLARE
                  _resync_total int := coalesce(array_length(_resync_a1, 1), 0);
                  _resync_from int := 1;
                  _resync_to int := least({ChunkRows}, coalesce(array_length(_resync_a1, 1), 0));
                  _resync_alone int := 0;
                  _resync_base bigint;
                  _resync_read bigint;
                BEGIN
                  WHILE _resync_from <= _resync_total LOOP
                    IF _resync_from = _resync_alone THEN
                      BEGIN
                        {Row("_resync_from")};
                      EXCEPTION WHEN OTHERS THEN
                {Failed}
                        _resync_n := _resync_from; _resync_found := NULL;
                        RETURN NEXT;
                      END;
                      _resync_from := _resync_from + 1;
                      _resync_to := least(_resync_from + {ChunkRows - 1}, _resync_total);
                      CONTINUE;
                    END IF;
                    _resync_base := nextval('pg_temp.resync_rows_read');
                    BEGIN
                      INSERT INTO {name} AS t ({list})
                        SELECT {string.Join(", ", columns.Select((_, i) => Cell(i, "_resync_g._resync_j")))}
                        FROM generate_series(_resync_from, _resync_to) AS _resync_g(_resync_j)
                        WHERE nextval('pg_temp.resync_rows_read') > _resync_base{conflict};
                      _resync_from := _resync_to + 1;
                      _resync_to := least(_resync_from + {ChunkRows - 1}, _resync_total);
                    EXCEPTION WHEN OTHERS THEN
                      _resync_read := currval('pg_temp.resync_rows_read') - _resync_base;
                      IF _resync_read >= 1 AND _resync_read < _resync_to - _resync_from + 1 THEN
                        _resync_alone := _resync_from + _resync_read - 1;
                        _resync_to := greatest(_resync_alone - 1, _resync_from);
                      ELSIF _resync_to > _resync_from THEN
                        _resync_to := _resync_from + (_resync_to - _resync_from + 1) / 2 - 1;
                      ELSE
                        _resync_alone := _resync_from;
                      END IF;
                    END;
                  END LOOP;
                END
                $resync$
                """;
        }
        var function = "pg_temp.resync_rows_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..16];
        // Created once per session (a pooled connection reset with DISCARD ALL loses it): replacing it at every call would
        // make PostgreSQL compile it and plan its statements again each time.
        CreateFunctionSql = $"""
            DO $resync_create$ BEGIN
              IF to_regprocedure('{function}({string.Join(",", columns.Select(_ => "text[]"))})') IS NULL THEN
                CREATE TEMPORARY SEQUENCE IF NOT EXISTS resync_rows_read;
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

    /// <summary>Creates the fallback function (and its row counter) in the session's temporary schema, unless already there.</summary>
    public string CreateFunctionSql { get; }

    /// <summary>Writes each row as if alone, in order; returns (row number, SQLSTATE, message, column, constraint, row exists) for each row failed or skipped.</summary>
    public string CallFunctionSql { get; }
}
