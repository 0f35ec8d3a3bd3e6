using Resync.Core.Engine;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Policies;
using Resync.Core.Runs;

namespace Resync.Core.Recovery;

/// <summary>
/// Decides a link's health after one of its runs (design §3.5–3.6). A run that fails with an ephemeral system
/// error before processing anything is tried again on the backoff schedule; after the last attempt the link is
/// deactivated. Runs that fail with Runtime or IncompleteData errors count toward the maximum of consecutive
/// errors (push links: deactivated at the first, unless configured). A run that completes resets both counters.
/// </summary>
public static class LinkHealthPolicy
{
    public static HealthDecision After(LinkHealth health, Link link, RunResult result, bool parked, BackoffSchedule schedule, DateTimeOffset now)
    {
        if (result.Status is RunStatus.Succeeded or RunStatus.CompletedWithErrors)
            return new HealthDecision(health with { ConsecutiveFailures = 0, BackoffAttempts = 0, NextAttemptAt = null }, null, null);
        if (result.SystemError is not { } error)
            return new HealthDecision(health, null, null); // interrupted: neither a success nor a failure of the link

        var consecutive = error.Type is ErrorType.Runtime or ErrorType.IncompleteData ? health.ConsecutiveFailures + 1 : health.ConsecutiveFailures;
        var maximum = link.Settings.MaxConsecutiveErrors ?? (link.Trigger.Push ? 1 : LinkSettings.DefaultMaxConsecutiveErrors);
        if (consecutive >= maximum && error.Type is ErrorType.Runtime or ErrorType.IncompleteData)
        {
            var reason = $"{consecutive} failed run{(consecutive == 1 ? "" : "s")} in a row with {error.Type} errors (maximum {maximum}); last: {error.Code} {error.Message}";
            return Deactivate(health with { ConsecutiveFailures = consecutive }, reason);
        }

        // The remainder of a run stopped partway is an incomplete run with its own retries; the link goes on as scheduled.
        if (error.Durability == Durability.Ephemeral && !parked)
        {
            var attempts = health.BackoffAttempts + 1;
            if (schedule.DelayAfter(attempts) is { } delay)
            {
                return new HealthDecision(health with { ConsecutiveFailures = consecutive, BackoffAttempts = attempts, NextAttemptAt = now + delay }, null, null);
            }
            var reason = $"still failing after {attempts} attempt{(attempts == 1 ? "" : "s")} on the backoff schedule; last: {error.Code} {error.Message}";
            return Deactivate(health with { ConsecutiveFailures = consecutive, BackoffAttempts = attempts, NextAttemptAt = null }, reason);
        }
        var alert = error.Durability == Durability.Durable && !parked ? AlertKinds.RunFailed : null;
        return new HealthDecision(health with { ConsecutiveFailures = consecutive, NextAttemptAt = null }, alert,
            alert is null ? null : $"Run {result.RunId} of link '{link.Id}' failed: {error.Code} {error.Message}. {error.Hint}");
    }

    private static HealthDecision Deactivate(LinkHealth health, string reason) =>
        new(health with { State = LinkState.Deactivated, StateReason = reason, NextAttemptAt = null }, AlertKinds.LinkDeactivated, $"Deactivated: {reason}");
}
