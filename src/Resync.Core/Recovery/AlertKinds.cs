namespace Resync.Core.Recovery;

/// <summary>The kinds of alerts recovery raises.</summary>
public static class AlertKinds
{
    public const string LinkDeactivated = "link-deactivated";
    public const string WaitingForAPerson = "incomplete-waiting";
    public const string RunFailed = "run-failed";
}
