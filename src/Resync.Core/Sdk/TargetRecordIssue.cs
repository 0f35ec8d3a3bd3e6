using Resync.Core.Errors;

namespace Resync.Core.Sdk;

/// <summary>One record of a batch that the target did not write: failed (with an error) or ignored (with a reason).</summary>
/// <param name="Index">The record's index in <see cref="TargetBatch.Records"/>.</param>
/// <param name="Error">Why it failed, or null when ignored.</param>
/// <param name="IgnoreReason">Why it was ignored (e.g. "stale"), or null when failed.</param>
public sealed record TargetRecordIssue(int Index, ErrorClassification? Error, string? IgnoreReason = null);
