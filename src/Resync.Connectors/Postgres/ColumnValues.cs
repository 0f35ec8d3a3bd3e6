using Resync.Core.Records;

namespace Resync.Connectors.Postgres;

/// <summary>
/// Reads the values of a list of columns from many records: for records built on a shared <see cref="FieldSchema"/> (a page of
/// an API) each column's field is looked up once per schema and then read by position, instead of once per record and column.
/// Records without a schema are read by name. Not thread-safe: one per loop.
/// </summary>
internal sealed class ColumnValues(PostgresColumn[] columns)
{
    private readonly int[] _slots = new int[columns.Length];
    private FieldSchema? _schema;
    private int[]? _constrained;

    public PostgresColumn[] Columns => columns;

    /// <summary>The indexes into <see cref="Columns"/> of the columns with a constraint known up front (NOT NULL, a length): the only ones a record's check reads.</summary>
    public int[] Constrained => _constrained ??= [.. Enumerable.Range(0, columns.Length).Where(i => columns[i].NotNull || columns[i].MaxLength is not null)];

    /// <summary>The record's value of column <paramref name="column"/> (an index into <see cref="Columns"/>); a missing field throws, as by name.</summary>
    public object? Of(RecordFields fields, int column)
    {
        if (fields.Schema is not { } schema)
            return fields[columns[column].Name];
        if (!ReferenceEquals(schema, _schema))
        {
            for (var i = 0; i < columns.Length; i++)
                _slots[i] = schema.IndexOf(columns[i].Name);
            _schema = schema;
        }
        return _slots[column] >= 0 ? fields.ValueAt(_slots[column]) : fields[columns[column].Name];
    }
}
