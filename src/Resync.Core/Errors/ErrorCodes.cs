namespace Resync.Core.Errors;

/// <summary>Resync's own error codes, in one place. Provider codes (SQLSTATE, HTTP) are used as they come.</summary>
public static class ErrorCodes
{
    public const string Timeout = "TIMEOUT";
    public const string ConnectionRefused = "CONNECTION_REFUSED";

    /// <summary>A connection's circuit breaker is open: the call was not made (it fails fast while the server is down).</summary>
    public const string CircuitOpen = "CIRCUIT_OPEN";
    public const string ConnectionFailed = "CONNECTION_FAILED";
    public const string HostNotFound = "HOST_NOT_FOUND";
    public const string AddressNotAllowed = "ADDRESS_NOT_ALLOWED";
    public const string InvalidJson = "INVALID_JSON";
    public const string UnexpectedShape = "UNEXPECTED_SHAPE";
    public const string ItemRejected = "ITEM_REJECTED";
    public const string Required = "REQUIRED";
    public const string TooLong = "STRING_TOO_LONG";
    public const string PatternMismatch = "PATTERN_MISMATCH";
    public const string InvalidEmail = "INVALID_EMAIL";
    public const string OutOfRange = "OUT_OF_RANGE";
    public const string NotAllowed = "VALUE_NOT_ALLOWED";
    public const string InvalidType = "INVALID_TYPE";
    public const string DuplicateKey = "DUPLICATE_KEY";
    public const string MalformedLine = "MALFORMED_LINE";
    public const string FileNotFound = "FILE_NOT_FOUND";
    public const string Unexpected = "UNEXPECTED";
    public const string Cancelled = "CANCELLED";
    public const string Interrupted = "INTERRUPTED";
    public const string SequentialStop = "SEQUENTIAL_STOP";
    public const string Stale = "STALE";

    /// <summary>No record of the first page has the field the link names as the key (source.keyField).</summary>
    public const string KeyFieldMissing = "KEY_FIELD_MISSING";

    /// <summary>A target found no row to update for the record's key.</summary>
    public const string NotFound = "NOT_FOUND";

    /// <summary>A target table named in the link does not exist.</summary>
    public const string TableNotFound = "TABLE_NOT_FOUND";

    /// <summary>A column named in the link is not a column of its table.</summary>
    public const string ColumnNotFound = "COLUMN_NOT_FOUND";

    /// <summary>A record of a transactional batch that was rolled back because another record failed.</summary>
    public const string RolledBack = "ROLLED_BACK";

    /// <summary>A batch the cluster's workers could not finish within the broker's delivery limit (each attempt died or was refused).</summary>
    public const string BatchUndeliverable = "BATCH_UNDELIVERABLE";
}
