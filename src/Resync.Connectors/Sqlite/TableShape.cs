using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Resync.Connectors.Sql;
using Resync.Core.Errors;
using Resync.Core.Records;

namespace Resync.Connectors.Sqlite;

/// <summary>
/// A target table's columns and CHECK constraints, read once, so that records write only the columns the
/// table has and a failed CHECK names the columns it checks (SQLite only names the constraint).
/// </summary>
internal sealed partial class TableShape
{
    private readonly HashSet<string> _columns;
    private readonly string[] _ordered;
    private readonly Dictionary<string, (string Expression, string[] Columns)> _checks;

    private TableShape(string[] columns, Dictionary<string, (string, string[])> checks)
    {
        _ordered = columns;
        _columns = new HashSet<string>(columns, StringComparer.Ordinal);
        _checks = checks;
    }

    /// <param name="keyMustBeUnique">Upserts: <paramref name="key"/> must have a primary key or unique index of its own (what ON CONFLICT matches).</param>
    public static TableShape Read(SqliteConnection connection, string table, string? key, string? versionColumn = null, bool keyMustBeUnique = false)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_table_info($table)";
        command.Parameters.AddWithValue("$table", table);
        var columns = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
                columns.Add(reader.GetString(0));
        }
        if (columns.Count == 0)
            throw SqlTargetIssues.TableNotFound(table, connection.DataSource);
        if (key is not null && !columns.Contains(key))
            throw SqlTargetIssues.ColumnNotFound("key", key, table, columns);
        if (versionColumn is not null && !columns.Contains(versionColumn))
            throw SqlTargetIssues.ColumnNotFound("versionColumn", versionColumn, table, columns);
        if (keyMustBeUnique && key is not null)
        {
            command.CommandText = """
                SELECT (SELECT COUNT(*) = 1 AND MAX(name) = $key FROM pragma_table_info($table) WHERE pk > 0)
                    OR EXISTS (SELECT 1 FROM pragma_index_list($table) AS list WHERE list."unique" = 1 AND list.partial = 0
                               AND (SELECT COUNT(*) FROM pragma_index_info(list.name)) = 1 AND (SELECT name FROM pragma_index_info(list.name)) = $key)
                """;
            command.Parameters.AddWithValue("$key", key);
            if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
                throw SqlTargetIssues.KeyNotUnique(key, table);
        }

        command.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $table";
        var sql = command.ExecuteScalar() as string ?? "";
        var checks = new Dictionary<string, (string, string[])>(StringComparer.Ordinal);
        foreach (Match match in NamedCheck().Matches(sql))
        {
            var expression = Balanced(sql, match.Index + match.Length - 1);
            checks[match.Groups[1].Value] = (expression, ColumnsIn(expression, columns));
        }
        return new TableShape([.. columns], checks);
    }

    /// <summary>The table columns the record has a field for, in table order.</summary>
    public string[] ColumnsOf(Record record)
    {
        var count = 0;
        foreach (var column in _ordered)
        {
            if (record.Fields.ContainsKey(column))
                count++;
        }
        if (count == _ordered.Length)
            return _ordered;
        var columns = new string[count];
        var i = 0;
        foreach (var column in _ordered)
        {
            if (record.Fields.ContainsKey(column))
                columns[i++] = column;
        }
        return columns;
    }

    /// <summary>Turns a failed CHECK's constraint name (or expression) into the columns it checks.</summary>
    public ErrorClassification Explain(ErrorClassification classification)
    {
        if (classification.Code != SqliteResultCodes.Name(SqliteResultCodes.ConstraintCheck) || classification.Fields is not [var named, ..])
            return classification;
        if (_checks.TryGetValue(named, out var check))
            return classification with { Fields = check.Columns, Message = $"{string.Join(", ", check.Columns)}: the value breaks check {named} ({check.Expression})" };
        var columns = ColumnsIn(classification.Message, _ordered);
        return columns.Length == 0 ? classification : classification with { Fields = columns };
    }

    private static string[] ColumnsIn(string expression, IEnumerable<string> columns) =>
        [.. columns.Where(column => Regex.IsMatch(expression, $@"\b{Regex.Escape(column)}\b", RegexOptions.CultureInvariant))];

    private static string Balanced(string sql, int open)
    {
        var depth = 0;
        for (var i = open; i < sql.Length; i++)
        {
            depth += sql[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (depth == 0)
                return sql[(open + 1)..i].Trim();
        }
        return sql[(open + 1)..].Trim();
    }

    [GeneratedRegex(@"CONSTRAINT\s+""?(\w+)""?\s+CHECK\s*\(", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NamedCheck();
}
