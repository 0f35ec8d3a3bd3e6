namespace Resync.Core.Engine;

/// <summary>The fields of a record sent to a link's error target (its dead-letter output), one per failed record.</summary>
public static class DeadLetter
{
    /// <summary>
    /// The dead letter's identity and the record's key at the error target: <c>{link}/{root run}/{record key}</c>, or
    /// <c>{link}/{run}/{batch}/{position}</c> for a record without a key. A retry of the run that fails the same record
    /// again gives the same id, so a target that writes by key (<c>key: deadLetterId</c>) keeps one dead letter per record.
    /// </summary>
    public const string Id = "deadLetterId";

    public const string Link = "link";
    public const string Tenant = "tenant";
    public const string Run = "run";
    public const string RootRun = "rootRun";
    public const string Batch = "batch";
    public const string Position = "position";
    public const string Key = "key";

    /// <summary>Attempts of the call that failed (see the error's attempt).</summary>
    public const string Attempt = "attempt";

    public const string ErrorType = "errorType";
    public const string ErrorCode = "errorCode";
    public const string ErrorMessage = "errorMessage";
    public const string ErrorStep = "errorStep";
    public const string ErrorFields = "errorFields";
    public const string ErrorHint = "errorHint";

    /// <summary>The record's values before the steps, as JSON text (null when the link keeps no snapshots).</summary>
    public const string Before = "before";

    /// <summary>The values after the steps (sent to the target), as JSON text.</summary>
    public const string After = "after";

    public const string FailedAt = "failedAt";
}
