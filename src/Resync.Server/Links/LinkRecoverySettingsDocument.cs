using Resync.Core.Links;
using Resync.Core.Policies;
using Resync.Core.Recovery;

namespace Resync.Server.Links;

/// <summary>
/// The settings of a link that decide how it fails and recovers, as it runs (defaults filled in, the API's replay
/// override applied): how records are batched, whether a stopped run's remainder is kept, automated replay, call
/// retries, when the link is deactivated and its error policies. Durations are in seconds.
/// </summary>
public sealed record LinkRecoverySettingsDocument(
    int BatchSize,
    int Parallelism,
    bool SequentialProcessing,
    bool StoreIncompleteRuns,
    string LoggingLevel,
    bool AutomatedReplay,
    int ReplayMaxAttempts,
    bool ReplayIncludesDurable,
    IReadOnlyList<double> ReplayDelaysSeconds,
    int CallRetryAttempts,
    double CallRetryDelaySeconds,
    int MaxConsecutiveErrors,
    IReadOnlyList<double> BackoffScheduleSeconds,
    bool StaleProtection,
    IReadOnlyList<ErrorPolicyDocument> ErrorPolicies)
{
    public static LinkRecoverySettingsDocument From(Link link)
    {
        var s = link.Settings;
        return new(s.BatchSize, s.Parallelism, s.SequentialProcessing, s.StoreIncompleteRuns, s.LoggingLevel.ToString(), s.AutomatedReplay,
            s.ReplayMaxAttempts, s.ReplayIncludesDurable, Seconds(s.ReplayDelays), s.CallRetryAttempts, s.CallRetryDelay.TotalSeconds,
            LinkHealthPolicy.MaxConsecutiveErrors(link), Seconds((s.BackoffSchedule ?? BackoffSchedule.Default.Delays)), s.StaleProtection,
            [.. s.ErrorPolicies.OrderBy(p => p.Key).Select(p => ErrorPolicyDocument.From(p.Key, p.Value))]);
    }

    private static List<double> Seconds(IEnumerable<TimeSpan> delays) => [.. delays.Select(delay => delay.TotalSeconds)];
}
