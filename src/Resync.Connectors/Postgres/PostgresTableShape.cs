using Npgsql;
using Resync.Connectors.Sql;
using Resync.Core.Errors;
using Resync.Core.Records;

namespace Resync.Connectors.Postgres;

/// <summary>
/// A target table's writable columns and constraints, read once from pg_catalog: the known constraints (NOT NULL,
/// varchar length) are checked in C# before the bulk write, and a constraint the server names (UNIQUE, CHECK,
/// foreign key) is turned into the columns it covers.
/// </summary>
internal sealed class PostgresTableShape
{
    private readonly Dictionary<string, PostgresColumn> _byName;
    private readonly Dictionary<string, string[]> _constraintColumns;

    private PostgresTableShape(string qualifiedName, IReadOnlyList<PostgresColumn> columns, Dictionary<string, string[]> constraintColumns, List<string[]> uniqueKeys)
    {
        UniqueKeys = uniqueKeys;
        QualifiedName = qualifiedName;
        Columns = columns;
        _byName = columns.ToDictionary(column => column.Name, StringComparer.Ordinal);
        _constraintColumns = constraintColumns;
    }

    /// <summary>The table's name as the server resolved it (schema.table).</summary>
    public string QualifiedName { get; }

    /// <summary>The writable columns (not generated), in table order.</summary>
    public IReadOnlyList<PostgresColumn> Columns { get; }

    /// <summary>The columns of each primary key, unique constraint and unique index without a predicate (what ON CONFLICT can match).</summary>
    public IReadOnlyList<string[]> UniqueKeys { get; }

    public PostgresColumn? Find(string name) => _byName.GetValueOrDefault(name);

    public static async Task<PostgresTableShape> ReadAsync(NpgsqlConnection connection, SqlTableName table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT c.oid, n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)";
        command.Parameters.Add(new NpgsqlParameter { Value = table.Quoted });
        uint oid;
        string qualified;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
                throw SqlTargetIssues.TableNotFound(table.ToString(), $"database '{connection.Database}'");
            oid = reader.GetFieldValue<uint>(0);
            qualified = reader.GetString(1);
        }

        command.Parameters.Clear();
        command.Parameters.Add(new NpgsqlParameter { Value = oid, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
        command.CommandText = """
            SELECT a.attname, format_type(a.atttypid, NULL), format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   a.atthasdef OR a.attidentity <> '',
                   CASE WHEN a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod > 4 THEN a.atttypmod - 4 END
            FROM pg_attribute a
            WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
            ORDER BY a.attnum
            """;
        var columns = new List<PostgresColumn>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                columns.Add(new PostgresColumn(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3), reader.GetBoolean(4),
                    reader.IsDBNull(5) ? null : reader.GetInt32(5)));
            }
        }

        // Constraints and unique indexes by name, with the columns they cover (a CHECK's are the columns its expression reads).
        command.CommandText = """
            SELECT con.conname, ARRAY(SELECT a.attname FROM unnest(con.conkey) AS k(attnum)
                                      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY a.attnum),
                   con.contype IN ('p', 'u')
            FROM pg_constraint con WHERE con.conrelid = $1
            UNION ALL
            SELECT i.relname, ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) AS k(attnum)
                                    JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY a.attnum),
                   x.indpred IS NULL AND x.indexprs IS NULL
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1 AND x.indisunique
            """;
        var constraints = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var uniqueKeys = new List<string[]>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var covered = reader.GetFieldValue<string[]>(1);
                constraints.TryAdd(reader.GetString(0), covered);
                if (reader.GetBoolean(2))
                    uniqueKeys.Add(covered);
            }
        }
        return new PostgresTableShape(qualified, columns, constraints, uniqueKeys);
    }

    /// <summary>
    /// The table columns the record has a field for, in table order: <paramref name="previous"/> itself when the record
    /// has a field for exactly those columns (records of one batch nearly always do), so that nothing is allocated.
    /// </summary>
    public PostgresColumn[] ColumnsOf(Record record, PostgresColumn[]? previous)
    {
        if (previous is not null && HasExactly(record, previous))
            return previous;
        return ColumnsOf(record);
    }

    /// <summary>The table columns the record has a field for, in table order.</summary>
    public PostgresColumn[] ColumnsOf(Record record)
    {
        var count = 0;
        foreach (var column in Columns)
        {
            if (record.Fields.ContainsKey(column.Name))
                count++;
        }
        var columns = new PostgresColumn[count];
        var i = 0;
        foreach (var column in Columns)
        {
            if (record.Fields.ContainsKey(column.Name))
                columns[i++] = column;
        }
        return columns;
    }

    // Whether the record has a field for each of these columns (a subset of Columns, in table order) and for no other column.
    private bool HasExactly(Record record, PostgresColumn[] columns)
    {
        var next = 0;
        // (Indexed: a foreach over the IReadOnlyList would box an enumerator for every record.)
        for (var i = 0; i < Columns.Count; i++)
        {
            var column = Columns[i];
            var expected = next < columns.Length && ReferenceEquals(columns[next], column);
            if (record.Fields.ContainsKey(column.Name) != expected)
                return false;
            if (expected)
                next++;
        }
        return next == columns.Length;
    }

    /// <summary>
    /// Checks the constraints known up front (NOT NULL, varchar/char length) the way the server would, so that a
    /// batch is rarely rejected. Returns the first violation, or null. CHECK, UNIQUE and foreign keys are left to the server.
    /// </summary>
    /// <param name="record">The record.</param>
    /// <param name="present">The columns it has a field for (<see cref="ColumnValues.Columns"/>), read through <paramref name="values"/>.</param>
    /// <param name="insertsRows">The write may insert rows (NOT NULL columns without a default must then be present).</param>
    public ErrorClassification? Check(Record record, ColumnValues present, bool insertsRows)
    {
        var columns = present.Columns;
        foreach (var i in present.Constrained)
        {
            var column = columns[i];
            var value = present.Of(record.Fields, i);
            if (value is null)
            {
                if (column.NotNull)
                    return NotNull(column);
                continue;
            }
            if (column.MaxLength is { } max && value is string text && text.Length > max && CharacterCount(text) > max)
            {
                return ErrorClassifier.Default.ClassifySqlState(PostgresErrorCodes.StringDataRightTruncation,
                    $"value too long for type {column.DeclaredType}", column.Name, null);
            }
        }
        if (insertsRows && columns.Length < Columns.Count)
        {
            foreach (var column in Columns)
            {
                if (column.NotNull && !column.HasDefault && !record.Fields.ContainsKey(column.Name))
                    return NotNull(column);
            }
        }
        return null;
    }

    /// <summary>A server error of a record, with the columns named: the server's column, else the named constraint's columns.</summary>
    public ErrorClassification Explain(string sqlState, string message, string? column, string? constraint)
    {
        var classification = ErrorClassifier.Default.ClassifySqlState(sqlState, message, column, constraint);
        if (column is null && constraint is not null && _constraintColumns.TryGetValue(constraint, out var columns) && columns.Length > 0)
            classification = classification with { Fields = columns };
        return classification;
    }

    private ErrorClassification NotNull(PostgresColumn column) =>
        ErrorClassifier.Default.ClassifySqlState(PostgresErrorCodes.NotNullViolation,
            $"null value in column \"{column.Name}\" of relation \"{QualifiedName[(QualifiedName.IndexOf('.') + 1)..]}\" violates not-null constraint", column.Name, null);

    // PostgreSQL counts characters, not UTF-16 units.
    private static int CharacterCount(string text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsLowSurrogate(text[i]))
                count++;
        }
        return count;
    }
}
