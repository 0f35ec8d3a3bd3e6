namespace Resync.Core.Links;

/// <summary>A link's recovery bookkeeping, kept across runs.</summary>
/// <param name="State">Active or Deactivated.</param>
/// <param name="StateReason">Why it was deactivated.</param>
/// <param name="ConsecutiveFailures">Failed runs in a row, backoff attempts included (what counts: <see cref="Recovery.LinkHealthPolicy"/>).</param>
/// <param name="BackoffAttempts">Failed runs in a row with an ephemeral system error (the backoff position).</param>
/// <param name="NextAttemptAt">When the scheduler tries the link again after an ephemeral failure, or null.</param>
public sealed record LinkHealth(LinkState State, string? StateReason, int ConsecutiveFailures, int BackoffAttempts, DateTimeOffset? NextAttemptAt)
{
    /// <summary>Active, without failures in a row or backoff: a new link, or one a person activated (it starts afresh).</summary>
    public static LinkHealth Healthy { get; } = new(LinkState.Active, null, 0, 0, null);

    /// <summary>Deactivated by a person: the failures in a row and the backoff are kept for when it is looked at.</summary>
    public LinkHealth DeactivatedBy(string reason) => this with { State = LinkState.Deactivated, StateReason = reason };
}
