namespace Resync.Connectors.Postgres;

/// <summary>One writable column of a PostgreSQL table, as its catalog describes it.</summary>
/// <param name="Name">The column's name.</param>
/// <param name="CastType">The type values are cast to (without length, so that an over-long value errors instead of being cut).</param>
/// <param name="DeclaredType">The declared type, e.g. <c>character varying(40)</c>.</param>
/// <param name="NotNull">Declared NOT NULL.</param>
/// <param name="HasDefault">Has a default or is an identity column.</param>
/// <param name="MaxLength">The length limit of a varchar(n) or char(n) column, else null.</param>
internal sealed record PostgresColumn(string Name, string CastType, string DeclaredType, bool NotNull, bool HasDefault, int? MaxLength);
