using Resync.Core.Errors;
using Resync.Core.Records;

namespace Resync.Server.Composite;

/// <summary>What happened to one record of a composite call.</summary>
/// <param name="Succeeded">Written.</param>
/// <param name="Error">Why not, as the composite answer gives it.</param>
/// <param name="RolledBack">Not written only because another record of its all-or-none write failed.</param>
/// <param name="Cause">The error as the link's steps or target gave it.</param>
internal sealed record CompositeRecordOutcome(bool Succeeded, CompositeError? Error, bool RolledBack, ResyncError? Cause = null)
{
    public static CompositeRecordOutcome Written { get; } = new(true, null, false);

    /// <summary>A failed or ignored record's outcome (a kept succeeded one is written).</summary>
    public static CompositeRecordOutcome Of(OutcomeKind kind, ResyncError? error, string? ignoredBy, string? ignoreReason) => kind switch
    {
        OutcomeKind.Succeeded => Written,
        OutcomeKind.Ignored => new(false, new CompositeError(CompositeCodes.Ignored, $"not written: ignored by {ignoredBy ?? "the target"} ({ignoreReason})", []), false),
        _ => new(false, ErrorOf(error), error?.Code == ErrorCodes.RolledBack, error),
    };

    public static CompositeRecordOutcome Of(RecordOutcome outcome) => Of(outcome.Kind, outcome.Error, outcome.IgnoredBy, outcome.IgnoreReason);

    /// <summary>A record error as the composite answer gives it: SQLSTATE 22001 is answered as <c>STRING_TOO_LONG</c>.</summary>
    public static CompositeError? ErrorOf(ResyncError? error) => error is null
        ? null
        : new CompositeError(error.Code == "22001" ? CompositeCodes.StringTooLong : error.Code, error.Message, error.Fields);
}
