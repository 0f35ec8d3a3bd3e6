namespace Resync.Core.Errors;

/// <summary>SQLite result codes the classifier maps (https://sqlite.org/rescode.html), as plain numbers.</summary>
public static class SqliteResultCodes
{
    public const int Error = 1;
    public const int Busy = 5;
    public const int Locked = 6;
    public const int ReadOnly = 8;
    public const int IoError = 10;
    public const int Corrupt = 11;
    public const int Full = 13;
    public const int CantOpen = 14;
    public const int TooBig = 18;
    public const int Constraint = 19;
    public const int Mismatch = 20;
    public const int Auth = 23;
    public const int NotADatabase = 26;
    public const int ConstraintCheck = 275;
    public const int ConstraintForeignKey = 787;
    public const int ConstraintNotNull = 1299;
    public const int ConstraintPrimaryKey = 1555;
    public const int ConstraintUnique = 2067;

    /// <summary>The code's symbolic name, used as the error code.</summary>
    public static string Name(int code) => code switch
    {
        Error => "SQLITE_ERROR",
        Busy => "SQLITE_BUSY",
        Locked => "SQLITE_LOCKED",
        ReadOnly => "SQLITE_READONLY",
        IoError => "SQLITE_IOERR",
        Corrupt => "SQLITE_CORRUPT",
        Full => "SQLITE_FULL",
        CantOpen => "SQLITE_CANTOPEN",
        TooBig => "SQLITE_TOOBIG",
        Constraint => "SQLITE_CONSTRAINT",
        Mismatch => "SQLITE_MISMATCH",
        Auth => "SQLITE_AUTH",
        NotADatabase => "SQLITE_NOTADB",
        ConstraintCheck => "SQLITE_CONSTRAINT_CHECK",
        ConstraintForeignKey => "SQLITE_CONSTRAINT_FOREIGNKEY",
        ConstraintNotNull => "SQLITE_CONSTRAINT_NOTNULL",
        ConstraintPrimaryKey => "SQLITE_CONSTRAINT_PRIMARYKEY",
        ConstraintUnique => "SQLITE_CONSTRAINT_UNIQUE",
        _ => $"SQLITE_{code}",
    };
}
