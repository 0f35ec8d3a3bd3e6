namespace Resync.Connectors.Sql;

/// <summary>How a SQL table target writes a record.</summary>
public enum SqlWriteMode
{
    /// <summary>INSERT; an existing key is a DuplicateData record error.</summary>
    Insert,

    /// <summary>INSERT … ON CONFLICT (key) DO UPDATE: writing the same record twice changes nothing.</summary>
    Upsert,

    /// <summary>UPDATE by key; a missing row is a Data record error.</summary>
    Update,
}
