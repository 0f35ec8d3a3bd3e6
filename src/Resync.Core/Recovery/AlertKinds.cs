namespace Resync.Core.Recovery;

/// <summary>The kinds of alerts recovery raises.</summary>
public static class AlertKinds
{
    public const string LinkDeactivated = "link-deactivated";
    public const string WaitingForAPerson = "incomplete-waiting";
    public const string RunFailed = "run-failed";

    /// <summary>A run that had been alerted about was resolved by a retry, resume or replay: every failure got through.</summary>
    public const string ChainResolved = "chain-resolved";

    /// <summary>An automatic recovery (automated replay, the backoff schedule) got through after failures whose alerts were held.</summary>
    public const string Recovered = "recovered";

    /// <summary>Sent on request to check that an alert destination works.</summary>
    public const string Test = "test";

    /// <summary>Every kind, for filters.</summary>
    public static IReadOnlyList<string> All { get; } = [LinkDeactivated, WaitingForAPerson, RunFailed, ChainResolved, Recovered, Test];
}
