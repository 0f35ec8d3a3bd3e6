namespace Resync.Core.Storage;

/// <summary>The kinds of run history entries.</summary>
public static class RunEventKinds
{
    public const string ResolvedByChain = "resolved";
    public const string RetryStarted = "retry-started";
    public const string Parked = "parked";
    public const string Discarded = "discarded";
    public const string Resumed = "resumed";
    public const string RecordEdited = "record-edited";
    public const string LinkDeactivated = "link-deactivated";
    public const string Alert = "alert";
    public const string Definition = "definition";
    public const string ErrorTargetFailed = "error-target-failed";
}
