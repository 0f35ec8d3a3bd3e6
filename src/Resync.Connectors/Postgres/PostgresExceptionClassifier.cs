using Npgsql;
using Resync.Core.Errors;

namespace Resync.Connectors.Postgres;

/// <summary>
/// Reads what Npgsql's exceptions say (SQLSTATE, column, constraint; the socket failure under a connection error);
/// the mapping itself is <see cref="ErrorClassifier.ClassifySqlState"/>.
/// </summary>
public sealed class PostgresExceptionClassifier : IExceptionClassifier
{
    public static PostgresExceptionClassifier Instance { get; } = new();

    /// <summary>The default policy reading these facts: what every call to PostgreSQL is classified by.</summary>
    public static ErrorClassifier Policy { get; } = ErrorClassifier.Default.With(Instance);

    public ErrorClassification? TryClassify(Exception exception, ErrorClassifier classifier) => exception switch
    {
        PostgresException postgres => classifier.ClassifySqlState(postgres.SqlState, postgres.MessageText, postgres.ColumnName, postgres.ConstraintName),
        // No SQLSTATE: the server was never reached or the connection broke (refused, reset, timed out).
        NpgsqlException { InnerException: { } inner } => classifier.Classify(inner) is { Type: not ErrorType.Runtime } known
            ? known
            : classifier.ClassifyDatabaseFailure(transient: true, exception.Message),
        NpgsqlException npgsql => classifier.ClassifyDatabaseFailure(npgsql.IsTransient, npgsql.Message),
        _ => null,
    };
}
