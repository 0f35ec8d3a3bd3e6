using Resync.Core.Errors;
using Resync.Core.Records;

namespace Resync.Server.Push;

/// <summary>One pushed record's outcome in a synchronous push answer, in the order sent.</summary>
/// <param name="Index">The record's place in the body (0-based).</param>
/// <param name="Key">Its key.</param>
/// <param name="Outcome">Succeeded, Failed, Ignored, or Incomplete (the run stopped before it; kept for the incomplete run's resume).</param>
/// <param name="Message">For failures, the link's customised message (or the error's own); for ignored records, the reason; for incomplete ones, where they wait.</param>
/// <param name="Error">The error, for failures.</param>
public sealed record PushRecordResult(int Index, string? Key, OutcomeKind Outcome, string? Message, ResyncError? Error);
