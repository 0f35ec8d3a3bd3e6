using Npgsql;
using NpgsqlTypes;
using Resync.Connectors.Sql;
using Resync.Core.Records;

namespace Resync.Connectors.Postgres;

/// <summary>
/// The parameters of a statement over <c>unnest</c>: one array per column, with the values of a group of records. Text
/// arrays, which every column's type can be cast from; or, for the bulk statement, an array of the column's own type where
/// each value already is one (integers for an integer column, doubles, flags), in binary: no text formatted here and parsed
/// back by the server. Not for numeric columns: Npgsql's binary numeric cost more of this process's CPU than formatting the
/// decimal as text (docs/benchmarks.md, 2026-12-04).
/// </summary>
internal static class PostgresColumnArrays
{
    /// <summary>Adds one array per column of <paramref name="columns"/>, of the records at <paramref name="indexes"/>.</summary>
    /// <param name="typed">Send columns in their own type where the values allow (the bulk statement); false: text only (the fallback function's parameters are text).</param>
    public static void Add(NpgsqlParameterCollection parameters, PostgresColumn[] columns, IReadOnlyList<Record> records, List<int> indexes, bool typed)
    {
        var read = new ColumnValues(columns);
        for (var c = 0; c < columns.Length; c++)
        {
            var typedArray = typed ? Typed(read, c, records, indexes) : null;
            parameters.Add(typedArray ?? new NpgsqlParameter { Value = Text(read, c, records, indexes), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        }
    }

    private static string?[] Text(ColumnValues read, int column, IReadOnlyList<Record> records, List<int> indexes)
    {
        var values = new string?[indexes.Count];
        for (var r = 0; r < values.Length; r++)
            values[r] = SqlValues.ToText(read.Of(records[indexes[r]].Fields, column));
        return values;
    }

    // Only where the binary value is exactly what the text would have been parsed to: a long for an integer column (a value
    // out of the column's range fails the cast as the text would, and the fallback function, sent text, reports it), a double
    // for a double precision one, a bool for a boolean one. Null when any value is not.
    private static NpgsqlParameter? Typed(ColumnValues read, int column, IReadOnlyList<Record> records, List<int> indexes) =>
        read.Columns[column].CastType switch
        {
            "bigint" or "integer" or "smallint" => Of<long>(read, column, records, indexes, NpgsqlDbType.Bigint, static value => value is long number ? number : null),
            "double precision" => Of<double>(read, column, records, indexes, NpgsqlDbType.Double, static value => value is double number ? number : null),
            "boolean" => Of<bool>(read, column, records, indexes, NpgsqlDbType.Boolean, static value => value is bool flag ? flag : null),
            _ => null,
        };

    private static NpgsqlParameter? Of<T>(ColumnValues read, int column, IReadOnlyList<Record> records, List<int> indexes, NpgsqlDbType type, Func<object, T?> convert)
        where T : struct
    {
        var values = new T?[indexes.Count];
        for (var r = 0; r < values.Length; r++)
        {
            var value = read.Of(records[indexes[r]].Fields, column);
            if (value is null)
                continue;
            if (convert(value) is not { } converted)
                return null;
            values[r] = converted;
        }
        return new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | type };
    }
}
