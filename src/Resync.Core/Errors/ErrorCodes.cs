using System.ComponentModel;

namespace Resync.Core.Errors;

/// <summary>
/// Resync's own error and warning codes, in one place. Provider codes (SQLSTATE, HTTP) are used as they come.
/// Each code's description is the table of docs/errors.md (a test regenerates it and compares).
/// </summary>
public static class ErrorCodes
{
    [Description("A call took longer than its timeout (after the retries of `settings.retry`).")]
    public const string Timeout = "TIMEOUT";

    [Description("The server refused the connection: nothing listens at the address, or a firewall rejects it.")]
    public const string ConnectionRefused = "CONNECTION_REFUSED";

    [Description("A connection's circuit breaker is open: the call was not made, it fails fast while the server is down (see [connectors-http.md](connectors-http.md#circuit-breaker-per-connection)).")]
    public const string CircuitOpen = "CIRCUIT_OPEN";

    [Description("The connection failed or was reset for another network reason.")]
    public const string ConnectionFailed = "CONNECTION_FAILED";

    [Description("A database client failed without a SQLSTATE, and not for a network reason (e.g. a protocol error): durable, the message says why.")]
    public const string DatabaseError = "DATABASE_ERROR";

    [Description("The host name did not resolve (DNS).")]
    public const string HostNotFound = "HOST_NOT_FOUND";

    [Description("The server's outbound network policy refused the address: durable, see [network-policy.md](network-policy.md).")]
    public const string AddressNotAllowed = "ADDRESS_NOT_ALLOWED";

    [Description("A body that should be JSON is not, or is cut short.")]
    public const string InvalidJson = "INVALID_JSON";

    [Description("The data is JSON (or CSV) but not of the shape the link expects, such as no array at the records path or a record that is not an object.")]
    public const string UnexpectedShape = "UNEXPECTED_SHAPE";

    [Description("An HTTP target's answer names this record among the items it refused.")]
    public const string ItemRejected = "ITEM_REJECTED";

    [Description("A `validate` step: a required field is missing or blank.")]
    public const string Required = "REQUIRED";

    [Description("A `validate` step: a text is longer than its `maxLength`.")]
    public const string TooLong = "STRING_TOO_LONG";

    [Description("A `validate` step: a text does not match its `pattern`.")]
    public const string PatternMismatch = "PATTERN_MISMATCH";

    [Description("A `validate` step: a text is not an e-mail address.")]
    public const string InvalidEmail = "INVALID_EMAIL";

    [Description("A `validate` step: a number is below its `min` or above its `max`.")]
    public const string OutOfRange = "OUT_OF_RANGE";

    [Description("A `validate` step: a value is not one of its `oneOf` values.")]
    public const string NotAllowed = "VALUE_NOT_ALLOWED";

    [Description("A `validate` or `convert` step: a value cannot be read as the type asked for.")]
    public const string InvalidType = "INVALID_TYPE";

    [Description("A `dedupe` step: the record's key was already seen in this run.")]
    public const string DuplicateKey = "DUPLICATE_KEY";

    [Description("A file source: a line (CSV or JSON Lines) cannot be read; the message names the line.")]
    public const string MalformedLine = "MALFORMED_LINE";

    [Description("A file source: the file to read does not exist.")]
    public const string FileNotFound = "FILE_NOT_FOUND";

    [Description("A link given by a tenant names a file outside the folders the server allows it (see [security.md](security.md)).")]
    public const string FileNotAllowed = "FILE_NOT_ALLOWED";

    [Description("A failure no classification covers; the message keeps the exception's own text.")]
    public const string Unexpected = "UNEXPECTED";

    [Description("The run was cut short (the process stopped or died mid-run); its unfinished records are counted as incomplete.")]
    public const string Interrupted = "INTERRUPTED";

    [Description("A link with `sequentialProcessing` stopped at its first failed record, so that no later record is written before it.")]
    public const string SequentialStop = "SEQUENTIAL_STOP";

    [Description("No record of an HTTP source's first page, or of a push's first batch, has the field `source.keyField` names (`id` by default): a System error that stops the run before anything is written, naming the field; records that lack it here and there keep an empty key.")]
    public const string KeyFieldMissing = "KEY_FIELD_MISSING";

    [Description("A target found no row to update for the record's key.")]
    public const string NotFound = "NOT_FOUND";

    [Description("A target table named in the link does not exist.")]
    public const string TableNotFound = "TABLE_NOT_FOUND";

    [Description("A column named in the link is not a column of its table.")]
    public const string ColumnNotFound = "COLUMN_NOT_FOUND";

    [Description("A record of a transactional batch that was rolled back because another record failed.")]
    public const string RolledBack = "ROLLED_BACK";

    [Description("A transactional write failed while committing or rolling back, and the database gave no SQLSTATE (an Inconsistency error).")]
    public const string TransactionFailed = "TRANSACTION_FAILED";

    [Description("A warning: a step's `onError` (`warn` or `default`) let a record it failed go on.")]
    public const string StepErrorHandled = "STEP_ERROR_HANDLED";

    [Description("The state store was migrated by a newer Resync than the one starting on it (see [server.md](server.md#upgrading)): run that version, or restore the backup taken before the upgrade.")]
    public const string StateSchemaNewer = "STATE_SCHEMA_NEWER";

    [Description("A warning: a `truncate` step cut a value to its `maxLength`.")]
    public const string Truncated = "TRUNCATED";

    [Description("A batch the cluster's workers could not finish within the broker's delivery limit (each attempt died or was refused); it shows as a batch error and can be retried (see [cluster.md](cluster.md)).")]
    public const string BatchUndeliverable = "BATCH_UNDELIVERABLE";
}
