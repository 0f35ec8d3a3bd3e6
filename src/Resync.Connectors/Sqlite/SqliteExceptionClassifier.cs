using Microsoft.Data.Sqlite;
using Resync.Core.Errors;

namespace Resync.Connectors.Sqlite;

/// <summary>Reads SQLite's primary and extended result codes; the mapping itself is <see cref="ErrorClassifier.ClassifySqlite"/>.</summary>
public sealed class SqliteExceptionClassifier : IExceptionClassifier
{
    public static SqliteExceptionClassifier Instance { get; } = new();

    /// <summary>The default policy reading these codes: what every call to SQLite is classified by.</summary>
    public static ErrorClassifier Policy { get; } = ErrorClassifier.Default.With(Instance);

    public ErrorClassification? TryClassify(Exception exception, ErrorClassifier classifier) =>
        exception is SqliteException sqlite
            ? classifier.ClassifySqlite(sqlite.SqliteErrorCode, sqlite.SqliteExtendedErrorCode, sqlite.Message)
            : null;
}
