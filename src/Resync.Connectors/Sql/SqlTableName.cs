using System.Text.RegularExpressions;

namespace Resync.Connectors.Sql;

/// <summary>A table name from a link file, optionally schema-qualified (<c>schema.table</c>); only plain identifiers, never SQL.</summary>
public sealed partial record SqlTableName(string? Schema, string Table)
{
    /// <summary>Parses <c>table</c> or <c>schema.table</c>; throws <see cref="ArgumentException"/> for anything else.</summary>
    public static SqlTableName Parse(string name, bool allowSchema)
    {
        var parts = name.Split('.');
        if (parts.Length > (allowSchema ? 2 : 1) || !parts.All(part => IsIdentifier(part)))
        {
            throw new ArgumentException(allowSchema
                ? $"'{name}' is not a valid table name (letters, digits and '_', optionally 'schema.table')"
                : $"'{name}' is not a valid table name (letters, digits and '_')");
        }
        return parts.Length == 2 ? new SqlTableName(parts[0], parts[1]) : new SqlTableName(null, parts[0]);
    }

    /// <summary>True for a plain identifier (letters, digits, '_', not starting with a digit).</summary>
    public static bool IsIdentifier(string name) => IdentifierPattern().IsMatch(name);

    /// <summary>An identifier in double quotes.</summary>
    public static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    /// <summary>The name quoted for SQL, e.g. <c>"crm"."people"</c>.</summary>
    public string Quoted => Schema is null ? Quote(Table) : $"{Quote(Schema)}.{Quote(Table)}";

    public override string ToString() => Schema is null ? Table : $"{Schema}.{Table}";

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex IdentifierPattern();
}
