using Resync.Core.Engine;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Policies;
using Resync.Core.Runs;

namespace Resync.Core.Recovery;

/// <summary>
/// Decides a link's health after one of its runs (docs/recovery.md, "Backoff, and deactivation"). <b>Failures in a row</b>
/// (<see cref="LinkHealth.ConsecutiveFailures"/>) counts the runs that failed: stopped by a system error (backoff attempts
/// included), or completed having got nothing through — every batch failed, or every record failed with errors that are
/// not the data's own (the target refused them all). A run that got anything through (or had nothing to do) resets it.
/// A run that fails with an ephemeral system error before processing anything is tried again on the backoff schedule,
/// whose attempts replace the link's schedule; after the last attempt the link is deactivated. At
/// <see cref="LinkSettings.MaxConsecutiveErrors"/> failures in a row (push links: 1 unless set) the link is deactivated
/// when the last one is a run that got nothing through or stopped with a Runtime or IncompleteData error (ephemeral
/// stops follow the backoff schedule instead). An interrupted run (stopped by its host) changes nothing.
/// </summary>
public static class LinkHealthPolicy
{
    /// <summary>Failed runs in a row that deactivate <paramref name="link"/>: its setting, else 1 for push links and 3 for the others.</summary>
    public static int MaxConsecutiveErrors(Link link) =>
        link.Settings.MaxConsecutiveErrors ?? (link.Trigger.Push ? 1 : LinkSettings.DefaultMaxConsecutiveErrors);

    /// <param name="gotNothingThrough">
    /// The run completed but nothing got through: every batch failed, or every record failed with non-data errors
    /// (decided by the caller, who can see the run's error groups).
    /// </param>
    public static HealthDecision After(LinkHealth health, Link link, RunResult result, bool parked, BackoffSchedule schedule, DateTimeOffset now,
        bool gotNothingThrough = false)
    {
        if (result.Status == RunStatus.Succeeded || (result.Status == RunStatus.CompletedWithErrors && !gotNothingThrough))
            return new HealthDecision(health with { ConsecutiveFailures = 0, BackoffAttempts = 0, NextAttemptAt = null }, null, null);
        var consecutive = health.ConsecutiveFailures + 1;
        var maximum = MaxConsecutiveErrors(link);
        if (result.SystemError is not { } error)
        {
            if (!gotNothingThrough)
                return new HealthDecision(health, null, null); // interrupted: neither a success nor a failure of the link
            var failed = health with { ConsecutiveFailures = consecutive, BackoffAttempts = 0, NextAttemptAt = null };
            return consecutive >= maximum
                ? Deactivate(failed, $"{consecutive} run{(consecutive == 1 ? "" : "s")} in a row got nothing through (maximum {maximum}); last: run {result.RunId}, " +
                    $"{result.Counts.Failed} of {result.Counts.Read} records and {result.Counts.BatchesFailed} of {result.Counts.BatchesTotal} batches failed")
                : new HealthDecision(failed, null, null);
        }

        if (result.DeactivatesLink)
        {
            return Deactivate(health with { ConsecutiveFailures = consecutive, BackoffAttempts = 0 },
                $"the link's error policy deactivates it on {error.Type} errors; run {result.RunId} stopped with {error.Code} {error.Message}");
        }

        if (consecutive >= maximum && error.Type is ErrorType.Runtime or ErrorType.IncompleteData)
        {
            var reason = $"{consecutive} failed run{(consecutive == 1 ? "" : "s")} in a row, the last with {error.Type} errors (maximum {maximum}); last: {error.Code} {error.Message}";
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
