namespace Resync.Server.Composite;

/// <summary>The error codes the composite API answers itself (record errors keep the code of the step or target).</summary>
public static class CompositeCodes
{
    /// <summary>The request body is not valid JSON, or not of the expected shape (e.g. a missing referenceId).</summary>
    public const string JsonParserError = "JSON_PARSER_ERROR";

    /// <summary>More subrequests or records than one call takes.</summary>
    public const string LimitExceeded = "LIMIT_EXCEEDED";

    /// <summary>A subrequest method other than GET, POST, PUT, PATCH, DELETE.</summary>
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";

    /// <summary>Two subrequests or records with one referenceId.</summary>
    public const string DuplicateReferenceId = "DUPLICATE_REFERENCE_ID";

    /// <summary>A reference <c>@{ref.field}</c> to an unknown or later referenceId, or a cycle of references.</summary>
    public const string InvalidReference = "INVALID_REFERENCE";

    /// <summary>An all-or-none call (tree, allOrNone composite) that cannot be done in one transaction.</summary>
    public const string AllOrNoneUnsupported = "ALL_OR_NONE_NOT_SUPPORTED";

    /// <summary>A batch subrequest not executed because an earlier one failed and haltOnError was set (status 412).</summary>
    public const string BatchProcessingHalted = "BATCH_PROCESSING_HALTED";

    /// <summary>A composite subrequest not done, or undone, because another failed (allOrNone, or a dependency).</summary>
    public const string ProcessingHalted = "PROCESSING_HALTED";

    /// <summary>
    /// A subrequest URL that is not a record operation or a read of the API once decoded (the composite API itself, a
    /// write, a dot segment, a double-encoded or lookalike name…): the call is refused before anything runs.
    /// </summary>
    public const string InvalidUrl = "INVALID_URL";

    /// <summary>The URL names no resource, or a link the caller does not see.</summary>
    public const string NotFound = "NOT_FOUND";

    /// <summary>A value longer than its column or validation allows (SQLSTATE 22001 is answered with this code).</summary>
    public const string StringTooLong = "STRING_TOO_LONG";

    /// <summary>A record operation or tree on a link that does not take pushes.</summary>
    public const string PushNotEnabled = "PUSH_NOT_ENABLED";

    /// <summary>A record operation or tree on a deactivated link.</summary>
    public const string LinkDeactivated = "LINK_DEACTIVATED";

    /// <summary>A read subrequest that got no answer from this server (status 503).</summary>
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";

    /// <summary>The call's run stopped before it carried out the subrequests (status 500).</summary>
    public const string RunFailed = "RUN_FAILED";

    /// <summary>A tree record not written because its run stopped first.</summary>
    public const string NotProcessed = "NOT_PROCESSED";

    /// <summary>A record a step or the target ignored, so not written.</summary>
    public const string Ignored = "IGNORED";

    /// <summary>The most subrequests of a batch or composite call.</summary>
    public const int MaxSubrequests = 25;

    /// <summary>The most records of a tree call.</summary>
    public const int MaxTreeRecords = 200;
}
