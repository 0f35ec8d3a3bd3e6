namespace Resync.Core.Links;

/// <summary>A link's recovery bookkeeping, kept across runs.</summary>
/// <param name="State">Active or Deactivated.</param>
/// <param name="StateReason">Why it was deactivated.</param>
/// <param name="ConsecutiveFailures">Failed runs in a row, backoff attempts included (what counts: <see cref="Recovery.LinkHealthPolicy"/>).</param>
/// <param name="BackoffAttempts">Failed runs in a row with an ephemeral system error (the backoff position).</param>
/// <param name="NextAttemptAt">When the scheduler tries the link again after an ephemeral failure, or null.</param>
public sealed record LinkHealth(LinkState State, string? StateReason, int ConsecutiveFailures, int BackoffAttempts, DateTimeOffset? NextAttemptAt)
{
    public static LinkHealth Healthy { get; } = new(LinkState.Active, null, 0, 0, null);
}
