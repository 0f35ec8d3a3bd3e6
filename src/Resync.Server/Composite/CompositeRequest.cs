namespace Resync.Server.Composite;

/// <summary>A batch or composite call as read from its body (see <see cref="CompositeRequestReader"/>).</summary>
/// <param name="Subrequests">The subrequests, in order.</param>
/// <param name="HaltOnError">Batch: skip the rest after the first failure.</param>
/// <param name="AllOrNone">Composite: one transaction; then <paramref name="LinkId"/> is the one link every subrequest writes to.</param>
/// <param name="LinkId">For an all-or-none call, its link.</param>
/// <param name="Errors">Every problem found; the call is refused (400) when there is any.</param>
internal sealed record CompositeRequest(IReadOnlyList<CompositeSubrequest> Subrequests, bool HaltOnError, bool AllOrNone, string? LinkId,
    IReadOnlyList<CompositeError> Errors);
