using Resync.Core.Links;

namespace Resync.Server.Links;

/// <summary>
/// A link's health as recovery keeps it: Active or Deactivated (and why), failed runs in a row (Runtime or
/// IncompleteData errors), the backoff position after ephemeral failures and when the scheduler tries again.
/// </summary>
public sealed record LinkHealthDocument(LinkState State, string? Reason, int ConsecutiveFailures, int BackoffAttempts, DateTimeOffset? NextAttemptAt)
{
    public static LinkHealthDocument From(LinkHealth health) =>
        new(health.State, health.StateReason, health.ConsecutiveFailures, health.BackoffAttempts, health.NextAttemptAt);
}
