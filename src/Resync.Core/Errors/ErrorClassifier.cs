using System.Data.Common;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Resync.Core.Errors;

/// <summary>
/// The one place that maps exceptions and responses (HTTP status, socket errors, timeouts, SQLSTATE,
/// SQLite result codes) to an error type and durability, with a hint toward the fix (docs/errors.md).
/// Deterministic: the same input always gives the same classification. Per-link overrides re-map a
/// code to another type.
/// </summary>
public sealed partial class ErrorClassifier
{
    private readonly IReadOnlyList<IExceptionClassifier> _providers;
    private readonly IReadOnlyDictionary<string, ErrorType> _overrides;

    public ErrorClassifier(IEnumerable<IExceptionClassifier>? providers = null, IReadOnlyDictionary<string, ErrorType>? overrides = null)
    {
        _providers = providers?.ToArray() ?? [];
        _overrides = IgnoringCase(overrides);
    }

    /// <summary>A classifier that knows the BCL's exceptions only.</summary>
    public static ErrorClassifier Default { get; } = new();

    /// <summary>Returns a classifier that also knows the given provider's exceptions.</summary>
    public ErrorClassifier With(IExceptionClassifier provider) => new(_providers.Append(provider), _overrides);

    /// <summary>Returns a classifier that re-maps the given codes (e.g. <c>HTTP_500</c>, <c>23514</c>) to other types.</summary>
    public ErrorClassifier WithOverrides(IReadOnlyDictionary<string, ErrorType> overrides) => new(_providers, overrides);

    /// <summary>Classifies an exception thrown by a source, a step or a target.</summary>
    public ErrorClassification Classify(Exception exception) => ApplyOverride(ClassifyCore(exception));

    private ErrorClassification ClassifyCore(Exception exception)
    {
        foreach (var provider in _providers)
        {
            if (provider.TryClassify(exception, this) is { } known)
                return known;
        }

        if ((exception as OutboundAddressRefusedException ?? Find<OutboundAddressRefusedException>(exception)) is { } refused)
            return AddressNotAllowed(refused);

        switch (exception)
        {
            case ResyncException resync:
                return resync.Classification;
            case HttpRequestException { StatusCode: { } status } http:
                return ClassifyHttpStatus((int)status, http.Message, retryAfter: null);
            case HttpRequestException http when Find<SocketException>(http) is { } socket:
                return ClassifySocket(socket);
            case HttpRequestException http:
                return new(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionFailed,
                    $"The connection failed: {http.Message}", "Check that the server is up and reachable from here.");
            case SocketException socket:
                return ClassifySocket(socket);
            case TimeoutException or TaskCanceledException { InnerException: TimeoutException }:
                return Timeout(exception.Message);
            case OperationCanceledException:
                return Timeout("The call did not finish in time and was cancelled.");
            case JsonException json:
                return new(ErrorType.IncompleteData, Durability.Ephemeral, ErrorCodes.InvalidJson,
                    $"The response is not valid JSON: {json.Message}",
                    "The source answered with a truncated or non-JSON body; if it persists, check the source's URL and content type.");
            case DbException { SqlState: { Length: 5 } sqlState } db:
                return ClassifySqlState(sqlState, db.Message, column: null, constraint: null);
            case IOException io when Find<SocketException>(io) is { } socket:
                return ClassifySocket(socket);
            case IOException io:
                return new(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionFailed,
                    $"The connection was interrupted: {io.Message}", "Usually transient; it is retried.");
            default:
                return new(ErrorType.Runtime, Durability.Durable, ErrorCodes.Unexpected,
                    $"{exception.GetType().Name}: {exception.Message}",
                    "An unexpected failure; the message says what broke. Report it if it is not caused by the configuration.");
        }
    }

    /// <summary>Classifies an HTTP response status (from a source page or a target call).</summary>
    public ErrorClassification ClassifyHttpStatus(int status, string? detail, TimeSpan? retryAfter)
    {
        var code = $"HTTP_{status}";
        var said = string.IsNullOrWhiteSpace(detail) ? $"HTTP {status}" : $"HTTP {status}: {detail}";
        return ApplyOverride(status switch
        {
            401 => new(ErrorType.InvalidAccessToken, Durability.Durable, code, said,
                "The credentials were refused: renew the token or password in the link's secrets."),
            403 => new(ErrorType.InvalidAccessToken, Durability.Durable, code, said,
                "Access is forbidden: check that the credentials have the needed permissions."),
            408 => new(ErrorType.Connection, Durability.Ephemeral, code, said, "The server timed out; it is retried."),
            409 => new(ErrorType.DuplicateData, Durability.Durable, code, said, "The item already exists or conflicts with another."),
            429 => new(ErrorType.RateLimit, Durability.Ephemeral, code, said,
                "The provider's rate limit was hit; Resync waits as long as the server asks (Retry-After).", RetryAfter: retryAfter),
            400 or 413 or 422 => new(ErrorType.Data, Durability.Durable, code, said,
                "The server refused the request's content; its answer says which value is wrong."),
            404 or 405 or 410 => new(ErrorType.Runtime, Durability.Durable, code, said,
                "The URL or method is not served: check the link's URL and method."),
            500 => new(ErrorType.Runtime, Durability.Ephemeral, code, said,
                "The server failed internally; usually transient, it is retried. If it persists, ask the server's owner."),
            502 or 503 or 504 => new(ErrorType.Connection, Durability.Ephemeral, code, said,
                "The server or a gateway in front of it is unavailable; it is retried.", RetryAfter: retryAfter),
            >= 500 => new(ErrorType.Runtime, Durability.Durable, code, said, "The server cannot handle this request."),
            _ => new(ErrorType.Runtime, Durability.Durable, code, said, "The server refused the request."),
        });
    }

    /// <summary>Classifies a PostgreSQL SQLSTATE (the connector passes column and constraint when the server named them).</summary>
    public ErrorClassification ClassifySqlState(string sqlState, string message, string? column, string? constraint)
    {
        IReadOnlyList<string>? fields = column is null ? null : [column];
        var where = constraint is null ? "" : $" (constraint {constraint})";
        ErrorClassification Make(ErrorType type, Durability durability, string hint) =>
            new(type, durability, sqlState, message + where, hint, fields);

        return ApplyOverride(sqlState switch
        {
            "23505" => Make(ErrorType.DuplicateData, Durability.Durable, "A row with the same unique key exists: upsert by key, or dedupe the source."),
            "23502" => Make(ErrorType.Data, Durability.Durable, "A required column is empty: map a value for it or validate it as required."),
            "22001" => Make(ErrorType.Data, Durability.Durable, "A value is longer than the column allows: fix the record or add a truncate step."),
            "23514" => Make(ErrorType.Data, Durability.Durable, "A value breaks a check constraint: fix the record or add a validate step."),
            "23503" => Make(ErrorType.Data, Durability.Durable, "A referenced row does not exist: load parents first."),
            "40001" or "40P01" or "55P03" => Make(ErrorType.Runtime, Durability.Ephemeral, "Lock contention between parallel writers; it is retried."),
            "57014" => Make(ErrorType.Connection, Durability.Ephemeral, "The statement timed out; it is retried."),
            "57P01" or "57P02" or "57P03" or "53300" => Make(ErrorType.Connection, Durability.Ephemeral, "The database is restarting or full of connections; it is retried."),
            "42501" => Make(ErrorType.InvalidAccessToken, Durability.Durable, "The database user lacks a permission: grant it."),
            "42P01" or "42703" => Make(ErrorType.Runtime, Durability.Durable, "A table or column named in the link does not exist: check the link's target.") with { StopsTheRun = true },
            "42P10" => Make(ErrorType.Runtime, Durability.Durable,
                "No unique constraint or index matches the link's key: add one on the key column(s), or fix 'key' in the link's target.") with { StopsTheRun = true },
            "3D000" => Make(ErrorType.Runtime, Durability.Durable,
                "The database named in the connection string does not exist: fix 'Database' in the link's connectionString.") with { StopsTheRun = true },
            _ when sqlState.StartsWith("08", StringComparison.Ordinal) => Make(ErrorType.Connection, Durability.Ephemeral, "The database connection failed; it is retried."),
            _ when sqlState.StartsWith("28", StringComparison.Ordinal) => Make(ErrorType.InvalidAccessToken, Durability.Durable, "The database refused the credentials: check user and password."),
            _ when sqlState.StartsWith("22", StringComparison.Ordinal) || sqlState.StartsWith("23", StringComparison.Ordinal) =>
                Make(ErrorType.Data, Durability.Durable, "A value does not fit the column: fix the record or convert it in a step."),
            _ when sqlState.StartsWith("53", StringComparison.Ordinal) => Make(ErrorType.Runtime, Durability.Ephemeral, "The database is short of resources; it is retried."),
            _ => Make(ErrorType.Runtime, Durability.Durable, "The database refused the statement."),
        });
    }

    /// <summary>
    /// Classifies a database client's failure that carries no SQLSTATE (the server was never reached, the connection
    /// broke, or the client itself failed): our own codes, never an invented SQLSTATE.
    /// </summary>
    /// <param name="transient">Whether the client says it may pass (e.g. Npgsql's <c>IsTransient</c>, or a broken connection).</param>
    public ErrorClassification ClassifyDatabaseFailure(bool transient, string message) => ApplyOverride(transient
        ? new(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionFailed, $"The database connection failed: {message}",
            "The database was unreachable or the connection broke; it is retried.")
        : new(ErrorType.Runtime, Durability.Durable, ErrorCodes.DatabaseError, message, "The database client failed; the message says why."));

    /// <summary>Classifies a SQLite primary and extended result code.</summary>
    public ErrorClassification ClassifySqlite(int primaryCode, int extendedCode, string message)
    {
        var fields = SqliteFailedColumns(message);
        var name = SqliteResultCodes.Name(extendedCode != 0 ? extendedCode : primaryCode);
        ErrorClassification Make(ErrorType type, Durability durability, string hint) =>
            new(type, durability, name, message, hint, fields);

        return ApplyOverride(extendedCode switch
        {
            SqliteResultCodes.ConstraintUnique or SqliteResultCodes.ConstraintPrimaryKey =>
                Make(ErrorType.DuplicateData, Durability.Durable, "A row with the same unique key exists: upsert by key, or dedupe the source."),
            SqliteResultCodes.ConstraintNotNull =>
                Make(ErrorType.Data, Durability.Durable, "A required column is empty: map a value for it or validate it as required."),
            SqliteResultCodes.ConstraintCheck =>
                Make(ErrorType.Data, Durability.Durable, "A value breaks a check constraint: fix the record or add a validate/truncate step."),
            SqliteResultCodes.ConstraintForeignKey =>
                Make(ErrorType.Data, Durability.Durable, "A referenced row does not exist: load parents first."),
            _ => primaryCode switch
            {
                SqliteResultCodes.Constraint or SqliteResultCodes.Mismatch or SqliteResultCodes.TooBig =>
                    Make(ErrorType.Data, Durability.Durable, "A value does not fit the table: fix the record or convert it in a step."),
                SqliteResultCodes.Busy or SqliteResultCodes.Locked =>
                    Make(ErrorType.Runtime, Durability.Ephemeral, "The database file is locked by another writer; it is retried."),
                SqliteResultCodes.NotADatabase =>
                    Make(ErrorType.Runtime, Durability.Durable, "The file is not a SQLite database: point the link at the right file."),
                SqliteResultCodes.CantOpen =>
                    Make(ErrorType.Connection, Durability.Durable, "The database file cannot be opened: check its path and permissions."),
                SqliteResultCodes.ReadOnly or SqliteResultCodes.Auth =>
                    Make(ErrorType.InvalidAccessToken, Durability.Durable, "The database file is not writable by this process."),
                SqliteResultCodes.Full =>
                    Make(ErrorType.Runtime, Durability.Durable, "The disk is full: free space, then retry."),
                _ => Make(ErrorType.Runtime, Durability.Durable, "SQLite refused the statement: the message says why."),
            },
        });
    }

    private static ErrorClassification ClassifySocket(SocketException socket) => socket.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => new(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionRefused,
            $"The connection was refused: {socket.Message}", "The server is down or not listening on that port; it is retried."),
        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => new(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.HostNotFound,
            $"The host name could not be resolved: {socket.Message}", "Check the host name in the link's URL and the DNS."),
        SocketError.TimedOut => Timeout(socket.Message),
        _ => new(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionFailed,
            $"The connection failed ({socket.SocketErrorCode}): {socket.Message}", "Usually transient; it is retried."),
    };

    // The outbound network policy: a configuration problem, not a network hiccup, so it is durable and not retried.
    /// <summary>A key field that no record of the first page has: the link's configuration is wrong, so the run stops.</summary>
    public static ErrorClassification KeyFieldMissing(string linkId, string keyField, int records) =>
        new(ErrorType.Runtime, Durability.Durable, ErrorCodes.KeyFieldMissing,
            $"None of the {records} record{(records == 1 ? "" : "s")} of the first page has the field '{keyField}' that link '{linkId}' names as the key (source.keyField).",
            "Set source.keyField to the field that holds each record's id (field names are case-sensitive), then run the link again.", [keyField])
        { StopsTheRun = true };

    private static ErrorClassification AddressNotAllowed(OutboundAddressRefusedException refused) =>
        new(ErrorType.Runtime, Durability.Durable, ErrorCodes.AddressNotAllowed, refused.Message,
            "Use a public address. If the destination is meant to be internal, the server's operator allows it: "
            + "resync serve --allow-loopback / --allow-private-networks, or --allow-network <CIDR> for one range (docs/network-policy.md).");

    private static ErrorClassification Timeout(string message) =>
        new(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.Timeout, $"The call timed out: {message}",
            "The other side is slow or unreachable; it is retried. Raise the link's timeout if it is just slow.");

    private ErrorClassification ApplyOverride(ErrorClassification classification)
    {
        if (_overrides.Count == 0 || !_overrides.TryGetValue(classification.Code, out var type) || type == classification.Type)
            return classification;
        var durability = type is ErrorType.Connection or ErrorType.RateLimit or ErrorType.IncompleteData ? Durability.Ephemeral : Durability.Durable;
        return classification with { Type = type, Durability = durability };
    }

    // Codes are matched whatever their case ("http_500", "40p01" in a link file), whatever comparer the caller's dictionary has.
    private static Dictionary<string, ErrorType> IgnoringCase(IReadOnlyDictionary<string, ErrorType>? overrides)
    {
        var ignoringCase = new Dictionary<string, ErrorType>(StringComparer.OrdinalIgnoreCase);
        if (overrides is not null)
        {
            foreach (var (code, type) in overrides)
                ignoringCase[code] = type;
        }
        return ignoringCase;
    }

    private static T? Find<T>(Exception exception) where T : Exception
    {
        for (var e = exception.InnerException; e is not null; e = e.InnerException)
        {
            if (e is T found)
                return found;
        }
        return null;
    }

    // SQLite names the failed columns as "table.column" after "constraint failed:"; CHECK names the constraint.
    private static IReadOnlyList<string>? SqliteFailedColumns(string message)
    {
        var match = FailedColumnsPattern().Match(message);
        if (!match.Success)
            return null;
        return match.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part[(part.LastIndexOf('.') + 1)..])
            .ToArray();
    }

    [GeneratedRegex(@"constraint failed: ([^'\r\n]+)", RegexOptions.CultureInvariant)]
    private static partial Regex FailedColumnsPattern();
}
